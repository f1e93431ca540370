"""What the command palette (productops/palette.py) finds of the inventory: tools, by words in
their name or vendor, in one query with a LIMIT."""

from django.db.models import Q
from django.urls import reverse

from inventory.models import Tool
from productops.folding import contains_folded
from productops.models import Workspace
from productops.palette import Hit


def tools(workspace: Workspace, text: str, limit: int) -> list[Hit]:
    rows = (
        Tool.objects.filter(workspace=workspace)
        .filter(Q(contains_folded("name", text)) | Q(contains_folded("vendor", text)))
        .order_by("name", "id")
        .values("pk", "name", "vendor", "category")[:limit]
    )
    return [
        Hit(
            "Tool",
            row["name"],
            reverse("tool_detail", args=[workspace.slug, row["pk"]]),
            " · ".join(v for v in (row["vendor"], row["category"]) if v),
        )
        for row in rows
    ]
