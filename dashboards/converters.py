"""The `<tile:...>` path converter: only the names of the tiles there are reach a view."""

from django.urls import register_converter

from dashboards.selectors import TILES


class TileConverter:
    regex = "|".join(TILES)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TileConverter, "tile")
