"""Every write of the platform: workspaces, members, invitations, tokens, outbound email."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from productops import clock, queueing, site, workspace_setup
from productops.access import Actor, require
from productops.audit import audit, mark_changed
from productops.capabilities import Capability
from productops.images import logo_type
from productops.imports.values import DateOrder
from productops.locks import advisory_xact_lock
from productops.models import (
    ApiToken,
    Invitation,
    Membership,
    OutboundEmail,
    Role,
    TokenScope,
    User,
    Workspace,
    WorkspaceLogo,
)
from productops.tokens import new_secret, sha256

RESERVED_SLUGS = {"new", "api", "admin", "static", "accounts", "w", "healthz"}


@transaction.atomic
def workspace_create(
    *, user: User, name: str, slug: str, time_zone: str = clock.DEFAULT_TIME_ZONE
) -> Workspace:
    """Creates a workspace with `user` as its first admin."""
    slug = slug.strip().lower()
    time_zone = clock.validate_time_zone(time_zone)
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": "This address is reserved; choose another."})
    if Workspace.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": "This address is taken; choose another."})
    workspace = Workspace.objects.create(name=name.strip(), slug=slug, time_zone=time_zone)
    membership = Membership.objects.create(workspace=workspace, user=user, role=Role.ADMIN)
    actor = Actor.for_membership(membership)
    audit(
        actor,
        "workspace.created",
        workspace,
        after={"name": workspace.name, "slug": workspace.slug, "time_zone": time_zone},
    )
    workspace_setup.run_setups(actor)
    return workspace


@transaction.atomic
def workspace_update(
    *,
    actor: Actor,
    name: str,
    currency: str,
    time_zone: str | None = None,
    date_order: str | None = None,
) -> Workspace:
    """Renames the workspace or changes its currency, time zone or date order (`"mdy"` or
    `"dmy"`: how an import reads numeric dates when a column cannot tell). None keeps the
    current zone or order. Raises ValidationError naming the field."""
    require(actor, Capability.MANAGE_WORKSPACE)
    workspace = Workspace.objects.select_for_update().get(pk=actor.workspace.pk)
    fields = ("name", "currency", "time_zone", "date_order")
    before = {field: getattr(workspace, field) for field in fields}
    workspace.name, workspace.currency = name.strip(), currency.upper()
    if time_zone is not None:
        workspace.time_zone = clock.validate_time_zone(time_zone)
    if date_order is not None:
        if date_order not in DateOrder:
            raise ValidationError({"date_order": "Choose day first (dmy) or month first (mdy)."})
        workspace.date_order = date_order
    workspace.save(update_fields=list(fields))
    after = {field: getattr(workspace, field) for field in fields}
    changed = [field for field in fields if before[field] != after[field]]
    audit(
        actor,
        "workspace.updated",
        workspace,
        before={field: before[field] for field in changed},
        after={field: after[field] for field in changed},
    )
    if "time_zone" in changed:
        # Every day bucket of the dashboards moves: an unreadable bucket recounts them all.
        mark_changed(workspace, "feedback", bucket="*")
    if {"time_zone", "currency"} & set(changed):
        mark_changed(workspace, "tools", bucket="")  # months and money of every category
    # The actor's copy is the one the rest of this request reads (e.g. its "today").
    actor.workspace.time_zone = workspace.time_zone
    actor.workspace.date_order = workspace.date_order
    return workspace


@transaction.atomic
def workspace_logo_set(*, actor: Actor, image: bytes) -> Workspace:
    """Makes `image` the workspace's logo, replacing any. Raises ValidationError on `logo`
    (productops.images.logo_type: empty, over 256 KiB, or not a whole PNG, JPEG, GIF or WebP
    image), leaving the current logo as it was."""
    require(actor, Capability.MANAGE_WORKSPACE)
    content_type = logo_type(image)
    workspace = Workspace.objects.select_for_update().get(pk=actor.workspace.pk)
    before = workspace.logo_version
    WorkspaceLogo.objects.update_or_create(
        workspace=workspace,
        defaults={"content": image, "content_type": content_type, "updated_at": timezone.now()},
    )
    workspace.logo_version = hashlib.sha256(image).hexdigest()[:16]
    workspace.save(update_fields=["logo_version"])
    audit(
        actor,
        "workspace.logo_set",
        workspace,
        before={"logo": before or None},
        after={"logo": workspace.logo_version, "type": content_type, "bytes": len(image)},
    )
    actor.workspace.logo_version = workspace.logo_version
    return workspace


@transaction.atomic
def workspace_logo_remove(*, actor: Actor) -> Workspace:
    """Takes the logo away; pages show the workspace's name as its wordmark again."""
    require(actor, Capability.MANAGE_WORKSPACE)
    workspace = Workspace.objects.select_for_update().get(pk=actor.workspace.pk)
    if not workspace.logo_version:
        return workspace
    before = workspace.logo_version
    WorkspaceLogo.objects.filter(workspace=workspace).delete()
    workspace.logo_version = ""
    workspace.save(update_fields=["logo_version"])
    audit(actor, "workspace.logo_removed", workspace, before={"logo": before}, after={"logo": None})
    actor.workspace.logo_version = ""
    return workspace


@transaction.atomic
def invitation_create(
    *, actor: Actor, email: str, role: str, send: bool = True
) -> tuple[Invitation, str]:
    """Invites `email` with `role`; replaces any open invitation to the same address.

    Returns the invitation and the one-time link token (only its hash is stored). `send=False`
    queues no email: the caller accepts it at once (the demo seed).
    """
    require(actor, Capability.MANAGE_MEMBERS)
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": f"Choose one of: {', '.join(Role.values)}."})
    if Membership.objects.filter(workspace=actor.workspace, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member."})
    # Serialise invitations to one address, so two at once replace each other cleanly instead
    # of colliding on the one-open-invitation constraint.
    advisory_xact_lock("invite", actor.workspace.pk, email)
    now = timezone.now()
    replaced = Invitation.objects.filter(
        workspace=actor.workspace, email__iexact=email, accepted_at=None, revoked_at=None
    ).update(revoked_at=now)
    raw_token, token_hash = new_secret()
    invitation = Invitation.objects.create(
        workspace=actor.workspace,
        email=email,
        role=role,
        token_hash=token_hash,
        invited_by=actor.user,
        expires_at=now + settings.INVITATION_LIFETIME,
    )
    audit(
        actor,
        "invitation.created",
        invitation,
        after={"email": email, "role": role, "replaced": replaced},
    )
    if not send:
        return invitation, raw_token
    link = site.absolute_url(reverse("invitation_accept", args=[raw_token]))
    email_queue(
        workspace=actor.workspace,
        to=email,
        subject=f"You're invited to {actor.workspace.name} on productops",
        body=(
            f"{actor.label} invited you to join {actor.workspace.name} as "
            f"{Role(role).label}.\n\nAccept the invitation: {link}\n\n"
            f"The link works once and expires on {invitation.expires_at:%d %b %Y %H:%M} UTC."
        ),
    )
    return invitation, raw_token


@transaction.atomic
def invitation_accept(*, raw_token: str, user: User) -> Membership:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("workspace")
        .filter(token_hash=sha256(raw_token))
        .first()
    )
    if invitation is None or not invitation.is_open:
        raise ValidationError("This invitation link has expired or was already used.")
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(
            f"This invitation is for {invitation.email}; sign in with that address to accept it."
        )
    membership, created = Membership.objects.get_or_create(
        workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit(
        Actor.for_membership(membership),
        "invitation.accepted",
        invitation,
        after={"email": invitation.email, "role": membership.role, "joined": created},
    )
    return membership


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation: Invitation) -> None:
    require(actor, Capability.MANAGE_MEMBERS)
    updated = Invitation.objects.filter(
        pk=invitation.pk, workspace=actor.workspace, accepted_at=None, revoked_at=None
    ).update(revoked_at=timezone.now())
    if updated:
        audit(actor, "invitation.revoked", invitation, before={"email": invitation.email})


@transaction.atomic
def user_register(*, email: str, name: str, password: str) -> User:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account with this address exists; sign in instead."})
    return User.objects.create_user(email=email, name=name.strip(), password=password)


def _lock_admins(workspace: Workspace) -> list[int]:
    """Locks the workspace's admin rows so two demotions cannot both pass the last-admin check."""
    return list(
        Membership.objects.select_for_update()
        .filter(workspace=workspace, role=Role.ADMIN)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def membership_change_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    require(actor, Capability.MANAGE_MEMBERS)
    if role not in Role.values:
        raise ValidationError({"role": f"Choose one of: {', '.join(Role.values)}."})
    admins = _lock_admins(actor.workspace)
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .get(pk=membership.pk, workspace=actor.workspace)
    )
    if membership.role == role:
        return membership
    if membership.role == Role.ADMIN and admins == [membership.pk]:
        raise ValidationError(
            {"role": "The last admin cannot be demoted; make another admin first."}
        )
    before = {"role": membership.role}
    membership.role = role
    membership.save(update_fields=["role"])
    audit(actor, "member.role_changed", membership, before=before, after={"role": role})
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> None:
    require(actor, Capability.MANAGE_MEMBERS)
    admins = _lock_admins(actor.workspace)
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .get(pk=membership.pk, workspace=actor.workspace)
    )
    if membership.role == Role.ADMIN and admins == [membership.pk]:
        raise ValidationError("The last admin cannot be removed; make another admin first.")
    audit(
        actor,
        "member.removed",
        membership,
        before={"email": membership.user.email, "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def token_create(*, actor: Actor, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """Creates an API token. Returns it with the secret, which is shown once and never stored."""
    require(actor, Capability.MANAGE_TOKENS)
    unknown = set(scopes) - set(TokenScope.values)
    if not scopes or unknown:
        raise ValidationError({"scopes": f"Choose one or more of: {', '.join(TokenScope.values)}."})
    if not name.strip():
        raise ValidationError({"name": "Give the token a name that says where it is used."})
    prefix = secrets.token_hex(4)
    secret, secret_hash = new_secret()
    token = ApiToken.objects.create(
        workspace=actor.workspace,
        name=name.strip(),
        prefix=prefix,
        secret_hash=secret_hash,
        scopes=sorted(set(scopes)),
        created_by=actor.user,
    )
    audit(actor, "token.created", token, after={"name": token.name, "scopes": token.scopes})
    return token, f"po_{prefix}_{secret}"


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> None:
    require(actor, Capability.MANAGE_TOKENS)
    updated = ApiToken.objects.filter(
        pk=token.pk, workspace=actor.workspace, revoked_at=None
    ).update(revoked_at=timezone.now())
    if updated:
        audit(actor, "token.revoked", token, before={"name": token.name, "scopes": token.scopes})


LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_touch(token: ApiToken) -> None:
    """Records use of a token, at most once a minute so reads do not all become writes."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def email_queue(
    *, to: str, subject: str, body: str, workspace: Workspace | None = None, html_body: str = ""
) -> None:
    """Stores an email to send (text, and HTML when given) and wakes a worker on commit."""
    email = OutboundEmail.objects.create(
        workspace=workspace, to=to, subject=subject, body=body, html_body=html_body
    )
    queueing.enqueue_on_commit("productops.tasks.send_email", email.pk)


MAX_SEND_ATTEMPTS = 8


def email_send(*, email_id: int) -> bool:
    """Sends one queued email unless it was sent already. Safe to run twice, even at once."""
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, sent_at=None)
            .first()
        )
        if email is None:
            return False
        email.attempts += 1
        try:
            send_mail(
                email.subject, email.body, None, [email.to], html_message=email.html_body or None
            )
        except Exception as error:  # any backend failure: keep the row, count it, retry later
            email.last_error = str(error)[:2000]
            email.save(update_fields=["attempts", "last_error"])
            return False
        email.sent_at = timezone.now()
        email.save(update_fields=["attempts", "sent_at"])
        return True


EMAIL_LOST_AFTER = timedelta(minutes=1)


def emails_left_behind(*, older_than: timedelta = EMAIL_LOST_AFTER) -> list[int]:
    """Unsent emails whose wake-up call was lost (Redis down, worker killed)."""
    return list(
        OutboundEmail.objects.filter(
            sent_at=None,
            created_at__lt=timezone.now() - older_than,
            attempts__lt=MAX_SEND_ATTEMPTS,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
