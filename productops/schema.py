"""OpenAPI details drf-spectacular cannot infer: how bearer tokens are sent."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "productops.api_auth.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A workspace API token `po_<prefix>_<secret>` with scopes "
            "intake, read and/or write, created by an admin under API tokens.",
        }
