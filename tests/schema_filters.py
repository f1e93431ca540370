"""What an API list's OpenAPI schema documents against what the page's filter reader reads:
the two must name the same query parameters (the API pages with `cursor` and `limit` besides)."""

from collections.abc import Callable

from django.test import Client

PAGING = {"cursor", "limit"}


class _Reading(dict):
    """A query string that notes each name asked of it (and has none of them)."""

    def __init__(self) -> None:
        super().__init__()
        self.read: set[str] = set()

    def get(self, name, default=None):
        self.read.add(name)
        return default


def names_read_by(reader: Callable[[dict], object]) -> set[str]:
    """The query parameters `reader` (a filters' from_params) asks for."""
    reading = _Reading()
    reader(reading)
    return reading.read


def schema_query_parameters(client: Client, path: str) -> dict[str, dict]:
    """The GET operation's query parameters in the served schema, by name: their schemas."""
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"][path]["get"]
    return {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}
