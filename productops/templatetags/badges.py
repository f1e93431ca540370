"""Status badges in their tone (productops/badges.py), as builtin tags:

- `{% badge kind value label %}` renders `<span class="badge tone-…">label</span>`; `label`
  defaults to the value, capitalised; `title=` and `id=` pass through as attributes.
- `{% badge_class kind value %}` is the class alone, for a badge whose text is composed in the
  template: `<span class="{% badge_class "decision" d.outcome %}">Defer until …</span>`.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from productops.badges import tone

register = template.Library()


@register.simple_tag
def badge_class(kind: str, value: object) -> str:
    return f"badge tone-{tone(kind, value)}"


@register.simple_tag
def badge(
    kind: str, value: object, label: object = None, title: str = "", id: str = ""
) -> SafeString:
    text = label if label not in (None, "") else str(value).replace("_", " ").capitalize()
    return format_html(
        '<span class="{}"{}{}>{}</span>',
        badge_class(kind, value),
        format_html(' id="{}"', id) if id else "",
        format_html(' title="{}"', title) if title else "",
        text,
    )
