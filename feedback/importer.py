"""Feedback by CSV, through the shared import machinery (productops.imports).

Columns are recognised from the usual exports (Canny, Productboard, Intercom, Zendesk, Typeform,
spreadsheets). Each row's natural key is its id column when the file has one, else a hash of
(body, email, received at), so importing the same file again creates nothing new. Rows are
stored set-based, a batch at a time (feedback.intake_store), which is what lets 100,000 rows go
in within a minute or so.
"""

import hashlib

from feedback.intake_values import IntakeItem
from feedback.models import Channel, Source
from feedback.services import intake as services
from productops.access import Actor
from productops.capabilities import Capability
from productops.imports import BatchOutcome, Importer, ImportField, RowError
from productops.models import ImportJob

SOURCE_OPTION = "source_id"


def _aliases(names: str) -> tuple[str, ...]:
    return tuple(names.split("|"))


class FeedbackImporter(Importer):
    kind = "feedback"
    label = "Feedback"
    capability = Capability.SUBMIT_FEEDBACK
    fields = [
        ImportField(
            "body",
            "Feedback",
            required=True,
            aliases=_aliases(
                "body|details|description|comment|comments|message|text|content|note text|note|"
                "notes|your feedback|post details|idea details|feature request|request|"
                "response|answer|ticket description|conversation|first message|insight"
            ),
        ),
        ImportField(
            "title",
            "Title",
            aliases=_aliases(
                "subject|summary|note title|post title|ticket subject|headline|topic|idea|"
                "idea title|conversation title"
            ),
        ),
        ImportField(
            "email",
            "Customer email",
            aliases=_aliases(
                "email|e-mail|email address|user email|author email|requester email|"
                "requester e-mail|contact email|submitter email|customer e-mail|reporter email|"
                "from email|from|lead email"
            ),
        ),
        ImportField(
            "name",
            "Customer name",
            aliases=_aliases(
                "name|user name|author name|author|requester|requester name|contact name|"
                "full name|submitter|submitter name|customer|user|reporter|contact"
            ),
        ),
        ImportField(
            "external_id",
            "External id",
            help="The row's id in the tool it came from; re-imports update that item.",
            aliases=_aliases(
                "id|ticket id|ticket|conversation id|note id|post id|response id|submission id|"
                "feedback id|#|external id|reference|ref|uuid|token|network id"
            ),
        ),
        ImportField(
            "received_at",
            "Received at",
            help="ISO 8601, 2024-03-05 14:22, 03/05/2024 (month first), 05.03.2024, "
            "Mar 5, 2024, unix seconds…",
            aliases=_aliases(
                "created at|created|date|submitted at|submit date (utc)|submit date|timestamp|"
                "received|requested|created date|creation date|date created|time|sent at|"
                "submitted|conversation started at|ticket created at|created (utc)"
            ),
        ),
        ImportField(
            "account_name",
            "Company",
            aliases=_aliases(
                "company|company name|organization|organisation|organization name|account|"
                "account name|customer company|org|business"
            ),
        ),
        ImportField(
            "account_domain",
            "Company domain",
            aliases=_aliases(
                "domain|company domain|website|company website|organization domain|company url"
            ),
        ),
        ImportField(
            "tags",
            "Tags",
            help="Comma or semicolon separated; applied to new items.",
            aliases=("tag", "labels", "label", "keywords"),
        ),
        ImportField(
            "product_area",
            "Product area",
            help="Set on new items.",
            aliases=_aliases(
                "area|feature|component|board|category|module|product|feature area|group"
            ),
        ),
    ]

    def clean_row(self, values: dict[str, str], *, job: ImportJob) -> dict:
        values = {k: (v or "").strip() for k, v in values.items()}
        if not values.get("email") and "@" in values.get("name", ""):
            values["email"], values["name"] = values["name"], ""  # "Requester" held the address
        if not values.get("body"):
            if values.get("title"):  # a post with only a title still says something
                values["body"] = values["title"]
            else:
                raise RowError("The feedback text is empty.")
        item, errors = services.item_from_text(values)
        if errors:
            raise RowError(" ".join(f"{_label(k)}: {' '.join(v)}" for k, v in errors.items()))
        if not item.external_id:
            moment = item.received_at.isoformat() if item.received_at else ""
            digest = hashlib.sha1(
                f"{item.body.strip()}\x1f{item.email.strip().lower()}\x1f{moment}".encode(),
                usedforsecurity=False,
            ).hexdigest()
            item = IntakeItem(**{**item.__dict__, "external_id": f"csv:{digest}"})
        return {"item": item}

    def save_rows(self, rows, *, actor: Actor, job: ImportJob) -> BatchOutcome:
        source = import_source(actor, job)
        result = services.feedback_submit(
            actor=actor, source=source, items=[row["item"] for _, row in rows]
        )
        outcome = BatchOutcome(
            created=result.created, updated=result.updated, unchanged=result.unchanged
        )
        for (number, _), item_outcome in zip(rows, result.outcomes, strict=True):
            if item_outcome.same_as is not None:
                first = rows[item_outcome.same_as][0]
                outcome.errors.append((number, f"The same feedback as row {first}."))
            elif item_outcome.errors:
                reason = " ".join(
                    f"{_label(k)}: {' '.join(v)}" for k, v in item_outcome.errors.items()
                )
                outcome.errors.append((number, reason))
        return outcome


def _label(name: str) -> str:
    for f in FeedbackImporter.fields:
        if f.name == name:
            return f.label
    return name


def import_source(actor: Actor, job: ImportJob) -> Source:
    """The source the upload page chose, else the workspace's "CSV import" source."""
    source_id = (job.options or {}).get(SOURCE_OPTION)
    if source_id:
        source = Source.objects.filter(workspace=actor.workspace, pk=source_id).first()
        if source is not None:
            return source
    return services.default_source(actor, channel=Channel.CSV_IMPORT, name="CSV import")
