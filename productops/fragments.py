"""The one rule for htmx-only fragment URLs: opened as a page (typed in, bookmarked, a link
opened in a new tab, a reload after an htmx history push), such a URL redirects to the page
that holds the fragment, never answers the bare, unstyled fragment.

    @require_GET
    @member_required(Capability.VIEW_WORKSPACE)
    @fragment_of(lambda request, **kw: reverse("workspace_home", args=[request.workspace.slug]))
    def role_home(request): ...

Put it under the access gate, so who may not see the page still gets the gate's answer.
`tests/productops/test_fragment_urls.py` crawls every GET URL without htmx and fails on a bare
fragment, so a new fragment URL cannot skip this.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

PageOf = Callable[..., str]


def fragment_of(
    page: PageOf,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view answering an htmx fragment; a request without htmx is redirected (302) to
    `page(request, **url_kwargs)`, the URL of the page holding it."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not getattr(request, "htmx", False):
                return HttpResponseRedirect(page(request, *args, **kwargs))
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
