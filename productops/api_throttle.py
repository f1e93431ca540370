"""The API's rate limit (kept apart from api_errors: DRF imports it while loading its views)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from productops import ratelimit
from productops.models import ApiToken


class WorkspaceRateThrottle(SimpleRateThrottle):
    """Requests per minute per token or signed-in user; 429 with Retry-After beyond it."""

    scope = "api"

    def allow_request(self, request, view) -> bool:
        # Redis down: count in this process's memory rather than answer 500 (ratelimit logs it).
        return ratelimit.with_fallback(
            lambda cache: self._allow_counting_in(cache, request, view), "the API rate limit"
        )

    def _allow_counting_in(self, cache, request, view) -> bool:
        self.cache = cache
        return super().allow_request(request, view)

    def get_rate(self) -> str:
        return f"{settings.API_RATE_LIMIT_PER_MINUTE}/min"

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return f"throttle:api:{ident}"
