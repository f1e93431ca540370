"""`{% load links %}`: stored URLs become links only when their scheme is safe."""

from django import template

from productops.validation import is_safe_link

register = template.Library()


@register.filter
def safe_link(value) -> str:
    """The URL when it is http(s), else '': `{% with href=tool.url|safe_link %}`.

    Rows stored before every channel validated links (or by a channel that forgot) may hold
    `javascript:` or `data:`; a template must never turn those into an href.
    """
    return str(value).strip() if is_safe_link(value) else ""
