"""The known feedback exports: each tool's columns and what its rows mean, as import layouts.

Zendesk, Intercom, Fider, UserVoice, Typeform, Google Forms, Google Play and Productboard files
are recognised by their columns (productops.imports.Layout); feedback.importers reads them.
Plus the cleaning two of them need: Productboard's HTML notes as text, Google Play's review id
from its link.
"""

import html
import re
from urllib.parse import parse_qs, urlsplit

from productops.imports import (
    Layout,
)

ZENDESK = "Zendesk tickets"
GOOGLE_PLAY = "Google Play reviews"
_HTML_TAG = re.compile(
    r"</?(?:p|br|div|li|ul|ol|strong|em|b|i|u|a|span|h[1-6]|blockquote|code|pre)\b[^>]*>",
    re.IGNORECASE,
)
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|blockquote)>", re.IGNORECASE)


def alias_names(names: str) -> tuple[str, ...]:
    return tuple(names.split("|"))


def html_to_text(value: str) -> str:
    """Productboard notes are HTML: their text, a line per paragraph, entities read."""
    if not _HTML_TAG.search(value):
        return value
    text = _BLOCK_END.sub("\n", value)
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()


def review_id(link: str) -> str:
    """Google Play's review link carries the review's id: `...?reviewId=gp:AOqp...`."""
    query = parse_qs(urlsplit(link).query)
    return (query.get("reviewId") or [link])[0]


LAYOUTS = [
    Layout(
        ZENDESK,
        columns=("Id", "Subject", "Requester email", "Via"),
        mapping={
            "body": "Subject",
            "external_id": "Id",
            "email": "Requester email",
            "name": "Requester",
            "account_name": "Organization",
            "received_at": "Created at",
            "tags": "Tags",
        },
        ignore=("Group", "Assignee", "Submitter", "Summation column", "Requester domain"),
    ),
    Layout(
        "Intercom conversations",
        columns=("conversation_id", "message_body"),
        mapping={
            "body": "message_body",
            "external_id": "conversation_id",
            "email": "user_email",
            "name": "user_name",
            "account_name": "company_name",
            "received_at": "created_at",
        },
        repeat_reason="A follow-up message in conversation {id}: the conversation is the item "
        "of row {first}.",
    ),
    Layout(
        "UserVoice ideas with voters",
        columns=("ideaId", "ideaTitle"),
        mapping={
            "external_id": "ideaId",
            "title": "ideaTitle",
            "body": "ideaDescription",
            "received_at": "ideaCreatedAt",
            "email": "ideaCreatorEmail",
            "name": "ideaCreatorName",
            "product_area": "forumName",
        },
        ignore=("userEmail", "userName", "voterEmail", "voterName", "email", "name"),
        repeat_reason="A vote on idea {id}: the idea is the item of row {first}.",
    ),
    Layout(
        "Fider posts",
        columns=("number", "title", "slug", "votes_count"),
        mapping={
            "external_id": "number",
            "title": "title",
            "body": "description",
            "received_at": "created_at",
            "name": "created_by",
            "tags": "tags",
            "duplicate_of": "original_number",
        },
    ),
    Layout(
        GOOGLE_PLAY,
        columns=("Package Name", "Review Text", "Review Link"),
        mapping={
            "body": "Review Text",
            "title": "Review Title",
            "external_id": "Review Link",
            "received_at": "Review Submit Millis Since Epoch",
            "rating": "Star Rating",
        },
        ignore=("Developer Reply Text", "Device", "Package Name"),
        # A review exported without its link: the app, the moment it was written, and who
        # wrote it (language, device) name it, with its text.
        identity=(
            "Package Name",
            "Review Submit Millis Since Epoch",
            "Reviewer Language",
            "Device",
        ),
    ),
    Layout(
        "Typeform responses",
        columns=("#", "Network ID"),
        mapping={"external_id": "#", "received_at": "Submit Date (UTC)"},
        ignore=("Start Date (UTC)", "Stage Date (UTC)", "Network ID", "Tags", "Submit Date (UTC)"),
        free_text="body",
    ),
    Layout(
        "Google Forms responses",
        columns=("Timestamp",),
        mapping={"received_at": "Timestamp", "email": "Email Address"},
        ignore=("Score",),
        free_text="body",
    ),
    Layout(
        "Productboard notes",
        columns=("note_title", "note_text"),
        mapping={
            "title": "note_title",
            "body": "note_text",
            "external_id": "note_id",
            "email": "user_email",
            "name": "user_name",
            "account_name": "company_name",
            "account_domain": "company_domain",
            "received_at": "created_at",
            "tags": "tags",
        },
    ),
]
