"""The API's JSON parser and OPTIONS answer (apart from api_errors: DRF imports them while
loading its views)."""

from django.core.exceptions import ValidationError
from rest_framework.exceptions import ParseError
from rest_framework.metadata import BaseMetadata
from rest_framework.parsers import JSONParser

from productops.validation import parse_json


class JSONBodyParser(JSONParser):
    """The API's only parser: JSON through validation.parse_json (depth limit, no NUL)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return parse_json(stream.read() if stream is not None else b"")
        except ValidationError as error:
            raise ParseError(" ".join(error.messages)) from None


class MethodsMetadata(BaseMetadata):
    """What OPTIONS answers on every endpoint: its name, description and methods.

    DRF's default introspects a serializer per method, which fails on endpoints without one (a
    webhook) and repeats the schema; the schema at /api/schema/ is where the shapes live.
    """

    def determine_metadata(self, request, view) -> dict:
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "methods": [m for m in view.allowed_methods if m != "OPTIONS"],
            "schema": "/api/schema/",
        }
