"""Feedback by CSV or workbook, through the shared import machinery (productops.imports).

The usual exports are recognised by their columns (Zendesk, Intercom, Fider, UserVoice, Typeform,
Google Forms, Google Play, Productboard; the layouts are in feedback.import_layouts) with what
their rows mean: UserVoice writes a row per
voter and Intercom a row per message, so a later row of the same idea or conversation is a vote
or a follow-up, not new feedback. Each row's natural key is its id column when the file has one,
else a hash of (body, email, received at), so importing the same file again creates nothing new;
the same rows already imported through another source are named in the preview and the report.
"""

import hashlib
import re

from django.core.exceptions import ValidationError
from django.db import transaction

from feedback.import_layouts import (
    GOOGLE_PLAY,
    LAYOUTS,
    ZENDESK,
    alias_names,
    html_to_text,
    review_id,
)
from feedback.intake_item import IntakeItem
from feedback.models import Channel, FeedbackItem, Source
from feedback.services import intake as services
from feedback.services import processing, sources, triage_merges
from productops.access import Actor
from productops.capabilities import Capability
from productops.imports import (
    IDENTITY,
    BatchOutcome,
    FieldKind,
    Importer,
    ImportField,
    RowError,
    RowProblems,
    import_upload,
)
from productops.models import ImportJob
from productops.validation import STAR_RATING

SOURCE_OPTION = "source_id"
DERIVED_PREFIX = "derived:"


class FeedbackImporter(Importer):
    kind = "feedback"
    label = "Feedback"
    capability = Capability.SUBMIT_FEEDBACK
    layouts = LAYOUTS
    repeat_key = "external_id"
    link_field = "duplicate_of"
    fields = [
        ImportField(
            "body",
            "Feedback",
            required=True,
            aliases=alias_names(
                "body|details|description|comment|comments|message|text|content|note text|note|"
                "notes|your feedback|post details|idea details|feature request|request|"
                "response|answer|ticket description|conversation|first message|insight|"
                "message body|review text|idea description"
            ),
        ),
        ImportField(
            "title",
            "Title",
            aliases=alias_names(
                "summary|note title|post title|ticket subject|headline|topic|idea|"
                "idea title|conversation title|review title|subject"
            ),
        ),
        ImportField(
            "email",
            "Customer email",
            aliases=alias_names(
                "email|e-mail|email address|user email|author email|requester email|"
                "requester e-mail|contact email|submitter email|customer e-mail|reporter email|"
                "from email|from|lead email|customer email"
            ),
        ),
        ImportField(
            "name",
            "Customer name",
            aliases=alias_names(
                "name|user name|author name|author|requester|requester name|contact name|"
                "full name|submitter|submitter name|customer|user|reporter|contact"
            ),
        ),
        ImportField(
            "external_id",
            "External id",
            help="The row's id in the tool it came from; re-imports update that item.",
            aliases=alias_names(
                "id|ticket id|ticket|conversation id|note id|post id|response id|submission id|"
                "feedback id|#|external id|reference|ref|uuid|token|idea id"
            ),
        ),
        ImportField(
            "received_at",
            "Received at",
            kind=FieldKind.MOMENT,
            help="ISO 8601 / RFC 3339, 2024-03-05 14:22, 03/05/2024 (the order decided by the "
            "whole column), 05.03.2024, Mar 5, 2024, unix seconds or milliseconds…",
            aliases=alias_names(
                "created at|created|date|submitted at|submit date (utc)|submit date|timestamp|"
                "received|requested|created date|creation date|date created|time|sent at|"
                "submitted|conversation started at|ticket created at|created (utc)"
            ),
        ),
        ImportField(
            "account_name",
            "Company",
            aliases=alias_names(
                "company|company name|organization|organisation|organization name|account|"
                "account name|customer company|org|business"
            ),
        ),
        ImportField(
            "account_domain",
            "Company domain",
            aliases=alias_names(
                "domain|company domain|website|company website|organization domain|company url"
            ),
        ),
        ImportField(
            "tags",
            "Tags",
            help="Comma or semicolon separated (Zendesk's space separated tags too); applied to "
            "new items.",
            aliases=("tag", "labels", "label", "keywords"),
        ),
        ImportField(
            "duplicate_of",
            "Duplicate of",
            help="The id (in this file's tool) of the item this one duplicates: merged into it.",
            aliases=alias_names("original number|duplicate of|merged into|original id"),
        ),
        ImportField(
            "rating",
            "Star rating",
            help="1 to 5 stars (an app store review); any other value is a bad row.",
            aliases=alias_names("star rating|stars|review rating"),
        ),
        ImportField(
            "product_area",
            "Product area",
            help="Set on new items.",
            aliases=alias_names(
                "area|feature|component|board|category|module|product|feature area"
            ),
        ),
    ]

    def clean_row(self, values: dict, *, job: ImportJob) -> dict:
        text = {k: (v or "").strip() for k, v in values.items() if isinstance(v, str | None)}
        if not text.get("email") and "@" in text.get("name", ""):
            text["email"], text["name"] = text["name"], ""  # "Requester" held the address
        problems = RowProblems()
        body = html_to_text(text.get("body", "")) or text.get("title", "")  # a title says something
        if not body:
            problems.add("The feedback text is empty.")
        separator = r"\s+" if job.options.get("layout") == ZENDESK else r"[,;]"
        external_id = text.get("external_id", "")
        if job.options.get("layout") == GOOGLE_PLAY and external_id:
            external_id = review_id(external_id)
        item = IntakeItem(
            body=body,
            title=text.get("title", ""),
            email=text.get("email", ""),
            name=text.get("name", ""),
            external_id=external_id,
            received_at=values.get("received_at"),
            account_name=text.get("account_name", ""),
            account_domain=text.get("account_domain", ""),
            tags=tuple(t for t in re.split(separator, text.get("tags", "")) if t.strip()),
            product_area=text.get("product_area", ""),
            rating=problems.check(_rating, text.get("rating", "")),
        )
        for name, messages in services.check_item(item).items():
            if name != "body" or body:  # an empty text is named above
                problems.add(f"{_label(name)}: {' '.join(messages)}")
        identity = values.get(IDENTITY) or {}
        if "external_id" in values and not item.external_id and not any(identity.values()):
            # The id column is the key of every other row: imported without it, this row could
            # never be matched again (a re-import with the id would make it twice).
            problems.add(
                "External id: this row has none, though a column holds the id of each row. "
                "Fill it in, or map no id column to match rows by their text, email and date."
            )
        problems.raise_any()
        if not item.external_id and any(identity.values()):
            item = IntakeItem(**{**item.__dict__, "external_id": derived_id(identity, item.body)})
            return {
                "item": item,
                "duplicate_of": text.get("duplicate_of", ""),
                "derived_from": [*identity, "the text"],
            }
        if not item.external_id:
            moment = item.received_at.isoformat() if item.received_at else ""
            digest = hashlib.sha1(
                f"{item.body.strip()}\x1f{item.email.strip().lower()}\x1f{moment}".encode(),
                usedforsecurity=False,
            ).hexdigest()
            item = IntakeItem(**{**item.__dict__, "external_id": f"csv:{digest}"})
        return {"item": item, "duplicate_of": text.get("duplicate_of", "")}

    def stored(self, cleaned: dict) -> dict[str, str]:
        item: IntakeItem = cleaned["item"]
        return {
            "body": item.body,
            "title": item.title,
            "email": item.email.lower(),
            "name": item.name,
            "external_id": _shown_id(item.external_id, cleaned.get("derived_from", ())),
            "received_at": item.received_at.isoformat() if item.received_at else "(now)",
            "account_name": item.account_name,
            "account_domain": item.account_domain,
            "tags": ", ".join(item.tags),
            "product_area": item.product_area,
            "rating": "" if item.rating is None else str(item.rating),
            "duplicate_of": cleaned.get("duplicate_of", ""),
        }

    def _elsewhere(self, rows: list[tuple[int, dict]], job: ImportJob) -> dict[int, str]:
        """Rows already imported through another source: the same external id and text."""
        source_id = (job.options or {}).get(SOURCE_OPTION) or next(
            iter(
                Source.objects.filter(
                    workspace_id=job.workspace_id, channel=Channel.CSV_IMPORT, is_active=True
                )
                .order_by("pk")
                .values_list("pk", flat=True)[:1]
            ),
            None,
        )
        sources = Source.objects.filter(workspace_id=job.workspace_id)
        if source_id is not None:
            sources = sources.exclude(pk=source_id)
        others = list(sources.values_list("pk", "name"))
        if not others:
            return {}
        names = dict(others)
        ids = [row["item"].external_id for _, row in rows]
        found = {
            (external_id, body): (pk, source)
            for pk, source, external_id, body in FeedbackItem.objects.filter(
                workspace_id=job.workspace_id, source_id__in=names, external_id__in=ids
            ).values_list("pk", "source_id", "external_id", "body")
        }
        notes = {}
        for number, row in rows:
            item = row["item"]
            match = found.get((item.external_id, item.body.strip()))
            if match:
                notes[number] = (
                    f"Already imported through the source {names[match[1]]!r} "
                    f"(feedback #{match[0]}); not imported again."
                )
        return notes

    def preview_notes(self, rows, *, job: ImportJob) -> dict[int, str]:
        return self._elsewhere(rows, job)

    def save_rows(self, rows, *, actor: Actor, job: ImportJob) -> BatchOutcome:
        elsewhere = self._elsewhere(rows, job)
        rows = [(number, row) for number, row in rows if number not in elsewhere]
        source = import_source(actor, job)
        outcome = BatchOutcome(skipped=sorted(elsewhere.items()))
        if not rows:
            return outcome
        result = services.feedback_submit(
            actor=actor,
            source=source,
            items=[row["item"] for _, row in rows],
            wake=False,
            checked={},  # clean_row ran check_item on each row: every row here passed
        )
        outcome.created, outcome.updated = result.created, result.updated
        outcome.unchanged = result.unchanged
        for (number, _), item_outcome in zip(rows, result.outcomes, strict=True):
            if item_outcome.same_as is not None:
                first = rows[item_outcome.same_as][0]
                outcome.skipped.append((number, f"The same feedback as row {first}."))
            elif item_outcome.errors:
                reason = " ".join(
                    f"{_label(k)}: {' '.join(v)}" for k, v in item_outcome.errors.items()
                )
                outcome.errors.append((number, reason))
        return outcome

    def link_rows(self, rows, *, actor: Actor, job: ImportJob) -> list[tuple[int, str]]:
        return _merge_duplicates(actor, import_source(actor, job), rows)

    def clean_options(self, *, actor: Actor, options: dict) -> dict:
        source_id = options.get(SOURCE_OPTION)
        if source_id is None:
            return {}
        if not Source.objects.filter(
            workspace=actor.workspace, pk=source_id, is_active=True
        ).exists():
            raise ValidationError({SOURCE_OPTION: "No such source, or it is turned off."})
        return {SOURCE_OPTION: source_id}

    def stretch_done(self, *, job: ImportJob) -> None:
        stored = ImportJob.objects.filter(pk=job.pk).values_list("processed_rows", flat=True)
        processing.analyze_after_growth(stored_before=job.processed_rows, stored_after=stored[0])
        processing.wake_processing(job.workspace_id)

    def background_left(self, *, job: ImportJob) -> int:
        if job.started_at is None:
            return 0
        return processing.processing_left(workspace_id=job.workspace_id, since=job.started_at)


def _merge_duplicates(actor: Actor, source: Source, rows) -> list[tuple[int, str]]:
    """The tool's own duplicate links (Fider's `original_number`) become merges."""
    wanted = [(n, r["item"].external_id, r["duplicate_of"]) for n, r in rows if r["duplicate_of"]]
    if not wanted:
        return []
    ids = {i for _, dup, orig in wanted for i in (dup, orig)}
    items = {
        i.external_id: i
        for i in FeedbackItem.objects.filter(
            workspace=actor.workspace, source=source, external_id__in=ids
        )
    }
    notes = []
    for number, duplicate_id, original_id in wanted:
        duplicate, original = items.get(duplicate_id), items.get(original_id)
        if duplicate is None or duplicate.duplicate_of_id is not None:
            continue
        if original is None or original.pk == duplicate.pk:
            notes.append((number, f"Not merged: {original_id} is not among the imported items."))
        elif not actor.can(Capability.TRIAGE_FEEDBACK):
            notes.append((number, f"Not merged into {original_id}: merging needs triage rights."))
        else:
            try:
                triage_merges.feedback_merge(actor=actor, original=original, duplicate=duplicate)
            except ValidationError as error:
                notes.append((number, f"Not merged into {original_id}: {' '.join(error.messages)}"))
            else:
                notes.append((number, f"Merged into {original_id} (feedback #{original.pk})."))
    return notes


def derived_id(identity: dict[str, str], body: str) -> str:
    """A stable id for a row whose file gives none: a hash of its identity cells and its text,
    so importing the same row again finds the same item."""
    key = "\x1f".join([*identity.values(), body.strip()])
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{DERIVED_PREFIX}{digest}"


def _shown_id(external_id: str, derived_from) -> str:
    if external_id.startswith("csv:"):
        return ""  # matched by its text, email and date, as the preview's other columns show
    if external_id.startswith(DERIVED_PREFIX):
        return f"{external_id} (derived from {', '.join(derived_from)}: the file gives no id)"
    return external_id


def _rating(text: str) -> int | None:
    """A star rating cell: empty is none given; anything but a whole number 1-5 is a bad row."""
    if not text:
        return None
    try:
        return STAR_RATING.clean(text)
    except ValidationError as error:
        raise RowError(
            f"Star rating: {text!r} is not a rating. {' '.join(error.messages)}"
        ) from None


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
    return sources.default_source(actor, channel=Channel.CSV_IMPORT, name="CSV import")


@transaction.atomic
def feedback_import_upload(
    *,
    actor: Actor,
    filename: str,
    raw: bytes,
    source: Source | None = None,
    new_source_name: str = "",
    new_source_channel: str = Channel.CSV_IMPORT,
) -> ImportJob:
    """Uploads a feedback file into a chosen or new source; a file that cannot be read leaves
    nothing behind, not even the new source."""
    if source is None:
        source = sources.source_for_import(
            actor=actor, name=new_source_name, channel=new_source_channel
        )
    return import_upload(
        actor=actor,
        kind="feedback",
        filename=filename,
        raw=raw,
        options={SOURCE_OPTION: source.pk},
    )
