"""OpenAPI details drf-spectacular cannot infer: how bearer tokens and sessions are sent."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from productops.validation import ID, PAGE_LIMIT, RENEWAL_WITHIN, RENEWALS_AHEAD


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


class KeptSessionScheme(SessionScheme):
    """The browser session (`cookieAuth`), as DRF's SessionAuthentication it extends."""

    target_class = "productops.api_auth.KeptSessionAuthentication"


# What the schema says about errors, written once for every operation (a postprocessing hook):
# the status codes each kind of operation can answer, all with the one error body of
# api_errors.error_body().

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error answer of the API has this one shape.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status, repeated."},
                "code": {"type": "string", "description": "A stable word, e.g. `invalid`."},
                "message": {"type": "string", "description": "For a person to read."},
                "fields": {
                    "type": "object",
                    "description": "Per field (or query parameter): what is wrong with it.",
                    "additionalProperties": True,
                },
                "current": {
                    "type": "object",
                    "description": "409 stale edit: the object as it is now.",
                    "additionalProperties": True,
                },
            },
            "required": ["status", "code", "message"],
        }
    },
    "required": ["error"],
}
ERROR_ANSWERS = {
    "400": "Not valid: a field, query parameter or the JSON itself (`error.fields` names each).",
    "401": "No credentials, or an unknown or revoked token.",
    "403": "The token's scopes or the member's role do not allow this.",
    "404": "No such object in this workspace, or not a member of it.",
    "409": "Stale edit (send the `version` you read; `error.current` holds the object now) "
    "or a conflicting state.",
    "413": "The request body (or the number of items) is over the limit.",
    "422": "The Idempotency-Key was used before with a different request.",
    "429": "Too many requests: wait `Retry-After` seconds.",
}
WRITES = {"post", "put", "patch", "delete"}


def error_answers(operation_path: str, method: str, operation: dict) -> list[str]:
    """The error statuses an operation can answer, by what it is."""
    codes = ["400", "404", "429"]
    public = operation.get("security") == [{}] or "/webhook/" in operation_path
    if not public or "/webhook/" in operation_path:
        codes.append("401")
    if not public:
        codes.append("403")
    if method in WRITES:
        codes += ["409", "413"]
    if method == "post" and any(
        p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])
    ):
        codes.append("422")
    return codes


def document_errors(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every operation documents its error answers."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in error_answers(path, method, operation):
                answer = responses.setdefault(code, {"description": ERROR_ANSWERS[code]})
                answer["content"] = body
                if not answer.get("description"):
                    answer["description"] = ERROR_ANSWERS[code]
            for parameter in operation.get("parameters", []):
                _bound_parameter(parameter)
    return result


# Query parameters that name an object by its id (path parameters say so by ending in `_id`);
# only an integer one is bounded (`status` is a word on other lists, an idea status's id here).
ID_QUERY_PARAMETERS = {"account", "idea", "owner", "source", "status", "tag"}


def _bound_parameter(parameter: dict) -> None:
    """Parameters checked through productops.validation say their bounds: the listed numbers,
    and every id (validation.ID: from 1), so a client (or schemathesis) never sends id 0 as
    valid."""
    bounds = {"limit": PAGE_LIMIT, "days": RENEWALS_AHEAD, "renewal_within": RENEWAL_WITHIN}
    name, where = parameter.get("name", ""), parameter.get("in")
    is_id = (where == "path" and name.endswith("_id")) or (
        where == "query" and name in ID_QUERY_PARAMETERS
    )
    declared = ID if is_id else bounds.get(name) if where == "query" else None
    if declared is None or parameter.get("schema", {}).get("type") != "integer":
        return
    parameter["schema"] = {
        "type": "integer",
        "minimum": declared.min_value,
        "maximum": declared.max_value,
    }
