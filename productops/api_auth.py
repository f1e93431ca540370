"""API authentication (bearer tokens) and the API side of the one access gate."""

from hmac import compare_digest
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from productops import signed_in
from productops.access import Actor, member_actor, require, token_actor
from productops.capabilities import Capability
from productops.models import ApiToken
from productops.services import token_touch
from productops.tokens import sha256, split_api_token


class WorkspaceAPIRequest(Request):
    """A request that passed WorkspaceCapability: `actor` is the member or token acting."""

    actor: Actor


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


class KeptSessionAuthentication(SessionAuthentication):
    """DRF's session authentication (CSRF enforced as always), the sign-in read as pages read
    it (productops.signed_in.member): for a URL of a workspace the signed-in user is a member
    of, from the copy kept in the cache when one holds, and the membership with it for
    WorkspaceCapability. Anything else: DRF's own, from Django's `request.user`."""

    def authenticate(self, request: Request):
        slug = (request.parser_context or {}).get("kwargs", {}).get("slug")
        found = signed_in.member(request._request, slug=slug) if slug else None
        if found is None:
            return super().authenticate(request)
        self.enforce_csrf(request)
        request._request.signed_in_member = found  # type: ignore[attr-defined]  # read below
        return (found.membership.user, None)


class WorkspaceCapability(BasePermission):
    """Resolves the actor for the URL's workspace and checks the view's capability.

    Views declare `capabilities = {"GET": Capability.X, "POST": Capability.Y}`; a method missing
    from the map is refused. Views outside a workspace set `capabilities = None` (public).
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        # Any view: each declares `capabilities` (a missing one is a programming error, a 500).
        capabilities: dict[str, Capability] | None = view.capabilities
        if capabilities is None:
            return True
        method = request.method or ""
        capability: Capability | None
        if method == "OPTIONS":
            capability = Capability.VIEW_WORKSPACE
        else:
            # HEAD is a GET without the body, so it needs what GET needs.
            capability = capabilities.get("GET" if method == "HEAD" else method)
        if capability is None:
            raise exceptions.MethodNotAllowed(method)
        slug = view.kwargs["slug"]
        if isinstance(request.auth, ApiToken):
            actor = token_actor(token=request.auth, slug=slug)
        elif (found := getattr(request._request, "signed_in_member", None)) is not None:
            actor = Actor.for_membership(found.membership)  # KeptSessionAuthentication's
        elif request.user and request.user.is_authenticated:
            actor = member_actor(user=request.user, slug=slug)
        else:
            raise exceptions.NotAuthenticated()
        require(actor, capability)
        cast(WorkspaceAPIRequest, request).actor = actor
        return True
