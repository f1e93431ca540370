from django.http import HttpRequest
from django.urls import reverse

from productops import navigation, selectors
from productops.capabilities import Capability


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
            {
                "label": i.label,
                "url": reverse(i.url_name, args=[slug]),
                "key": i.key,
                "current": request.resolver_match and request.resolver_match.url_name == i.url_name,
            }
            for i in navigation.items()
            if actor.can(i.capability)
        ],
        "my_workspaces": selectors.workspaces_of(user=actor.user),
    }
