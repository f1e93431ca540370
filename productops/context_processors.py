from django.http import HttpRequest
from django.urls import reverse

from productops import navigation, selectors
from productops.access import Actor
from productops.capabilities import Capability


def _nav(path: str, actor: Actor, slug: str) -> list[dict[str, str | bool]]:
    links = [
        (item, reverse(item.url_name, args=[slug]))
        for item in navigation.items()
        if actor.can(item.capability)
    ]
    # The area is the longest link the page lives under (Accounts, not Inbox, for
    # /feedback/accounts/); the workspace home only on itself.
    home = reverse("workspace_home", args=[slug])
    under = [url for _, url in links if path.startswith(url) and url != home]
    current = max(under, key=len) if under else (home if path == home else None)
    return [
        {"label": item.label, "url": url, "key": item.key, "current": url == current}
        for item, url in links
    ]


def shell(request: HttpRequest) -> dict:
    """What the base layout needs: the actor's workspaces, the areas it may open, its powers."""
    actor = getattr(request, "actor", None)
    if actor is None or actor.user is None:
        return {}
    slug = actor.workspace.slug
    return {
        "actor": actor,
        "workspace": actor.workspace,
        "can": {capability.value: actor.can(capability) for capability in Capability},
        "nav": _nav(request.path, actor, slug),
        # Kept with the sign-in by the gate (productops.signed_in) when it let the request in.
        "my_workspaces": getattr(request, "member_workspaces", None)
        or selectors.workspaces_of(user=actor.user),
        # The version in the URL makes each logo its own address, kept by browsers for good.
        "workspace_logo_url": (
            f"{reverse('workspace_logo', args=[slug])}?v={actor.workspace.logo_version}"
            if actor.workspace.logo_version
            else ""
        ),
    }
