"""API authentication (bearer tokens) and the API side of the one access gate."""

from hmac import compare_digest

from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from productops.access import member_actor, require, token_actor
from productops.capabilities import Capability
from productops.models import ApiToken
from productops.services import token_touch
from productops.tokens import sha256, split_api_token


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer po_<prefix>_<secret>`: the prefix finds the row, the hash checks."""

    keyword = "Bearer"

    def authenticate(self, request: Request):
        header = request.headers.get("Authorization", "")
        if not header.startswith(f"{self.keyword} "):
            return None
        parts = split_api_token(header[len(self.keyword) + 1 :].strip())
        if parts is None:
            raise exceptions.AuthenticationFailed("The bearer token is not a productops token.")
        prefix, secret = parts
        token = (
            ApiToken.objects.select_related("workspace", "created_by").filter(prefix=prefix).first()
        )
        if token is None or not compare_digest(token.secret_hash, sha256(secret)):
            raise exceptions.AuthenticationFailed("Unknown API token.")
        if not token.is_active:
            raise exceptions.AuthenticationFailed("This API token was revoked.")
        token_touch(token)
        return (token.created_by or AnonymousUser(), token)

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="productops"'


class WorkspaceCapability(BasePermission):
    """Resolves the actor for the URL's workspace and checks the view's capability.

    Views declare `capabilities = {"GET": Capability.X, "POST": Capability.Y}`; a method missing
    from the map is refused. Views outside a workspace set `capabilities = None` (public).
    """

    def has_permission(self, request: Request, view) -> bool:
        capabilities: dict[str, Capability] | None = view.capabilities
        if capabilities is None:
            return True
        if request.method == "OPTIONS":
            capability = Capability.VIEW_WORKSPACE
        else:
            # HEAD is a GET without the body, so it needs what GET needs.
            method = "GET" if request.method == "HEAD" else request.method
            capability = capabilities.get(method)
        if capability is None:
            raise exceptions.MethodNotAllowed(request.method)
        slug = view.kwargs["slug"]
        if isinstance(request.auth, ApiToken):
            actor = token_actor(token=request.auth, slug=slug)
        elif request.user and request.user.is_authenticated:
            actor = member_actor(user=request.user, slug=slug)
        else:
            raise exceptions.NotAuthenticated()
        require(actor, capability)
        request.actor = actor
        return True
