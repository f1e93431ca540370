"""The platform's own importer: inviting people by CSV (email, role)."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from productops import services
from productops.access import Actor
from productops.capabilities import Capability
from productops.imports import BatchOutcome, Importer, ImportField, RowProblems
from productops.models import ImportJob, Invitation, Membership, Role

ROLE_NAMES = {
    **{r.value: r.value for r in Role},
    **{r.label.lower(): r.value for r in Role},
    "ops": Role.OPS_LEAD,
    "ops lead": Role.OPS_LEAD,
    "product manager": Role.PM,
    "executive": Role.EXEC,
}


class MemberImporter(Importer):
    kind = "members"
    label = "Members"
    capability = Capability.MANAGE_MEMBERS
    fields = [
        ImportField("email", "Email", required=True, aliases=("e-mail", "email address", "mail")),
        ImportField(
            "role",
            "Role",
            aliases=("access", "permission"),
            help="admin, ops lead, pm or exec; PM when empty.",
        ),
    ]

    def clean_row(self, values: dict[str, str], *, job: ImportJob) -> dict:
        problems = RowProblems()
        email = values.get("email", "").strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.add(f"{email or 'An empty cell'} is not an email address.")
        role_name = values.get("role", "").strip().lower() or Role.PM
        if role_name not in ROLE_NAMES:
            problems.add(f"Unknown role {values['role']!r}: use admin, ops lead, pm or exec.")
        problems.raise_any()
        return {"email": email, "role": ROLE_NAMES[role_name]}

    def save_rows(self, rows, *, actor: Actor, job: ImportJob) -> BatchOutcome:
        outcome = BatchOutcome()
        emails = [row["email"] for _, row in rows]
        members = set(
            Membership.objects.filter(
                workspace=actor.workspace, user__email__in=emails
            ).values_list("user__email", flat=True)
        )
        invited = dict(
            Invitation.objects.filter(
                workspace=actor.workspace,
                email__in=emails,
                accepted_at=None,
                revoked_at=None,
                expires_at__gt=timezone.now(),
            ).values_list("email", "role")
        )
        seen = set()
        for number, row in rows:
            email, role = row["email"], row["role"]
            if email in seen:
                outcome.errors.append((number, f"{email} appears twice in this file."))
            elif email in members or invited.get(email) == role:
                outcome.unchanged += 1
            else:
                services.invitation_create(actor=actor, email=email, role=role)
                if email in invited:
                    outcome.updated += 1
                else:
                    outcome.created += 1
            seen.add(email)
        return outcome
