from django.http import HttpRequest
from django.urls import reverse

from productops import navigation, selectors
from productops.capabilities import Capability


def _nav_entry(path: str, item: navigation.NavItem, slug: str) -> dict:
    url = reverse(item.url_name, args=[slug])
    # An area stays highlighted on its sub-pages; the workspace home only on itself.
    current = path == url if item.url_name == "workspace_home" else path.startswith(url)
    return {"label": item.label, "url": url, "key": item.key, "current": current}


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
        "nav": [
            _nav_entry(request.path, item, slug)
            for item in navigation.items()
            if actor.can(item.capability)
        ],
        "my_workspaces": selectors.workspaces_of(user=actor.user),
    }
