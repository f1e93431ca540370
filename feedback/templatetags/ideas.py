"""`{% load ideas %}`: an idea's number wherever a person may need to type or pick it.

An idea's number is its id, written `#12`; every input that asks for an idea takes it as `12` or
`#12` (`productops.palette.number`). `{{ idea|idea_number }}` is the `#12` beside a title
(lists, the board, the idea's page, pickers); `{{ idea|idea_label }}` is the text of a choice,
"Dark mode (#12)", title first so a select's type-ahead still finds it by name.
`tests/feedback/test_idea_numbers.py` checks every select of ideas uses it.
"""

from django import template

register = template.Library()


@register.filter
def idea_number(idea) -> str:
    """ "#12" for the idea (or an id) given."""
    return f"#{int(getattr(idea, 'pk', idea))}"


@register.filter
def idea_label(idea, length: int = 60) -> str:
    """The idea's title (cut at `length` characters) and its number: "Dark mode (#12)"."""
    title = str(idea.title)
    if len(title) > length:
        title = title[: length - 1].rstrip() + "…"
    return f"{title} ({idea_number(idea)})"
