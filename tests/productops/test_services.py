from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from productops import services
from productops.models import AuditEvent, Invitation, Membership, Role
from tests.factories import UserFactory, WorkspaceFactory


def test_an_invitation_link_works_once(personas):
    _, token = services.invitation_create(
        actor=personas["admin"].actor, email="Newcomer@Alpha.test", role=Role.OPS_LEAD
    )
    newcomer = UserFactory(email="newcomer@alpha.test")
    membership = services.invitation_accept(raw_token=token, user=newcomer)
    assert membership.role == Role.OPS_LEAD
    assert membership.workspace == personas["admin"].membership.workspace
    with pytest.raises(ValidationError, match="expired or was already used"):
        services.invitation_accept(raw_token=token, user=newcomer)


def test_an_expired_invitation_cannot_be_accepted(personas):
    invitation, token = services.invitation_create(
        actor=personas["admin"].actor, email="late@alpha.test", role=Role.PM
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError):
        services.invitation_accept(raw_token=token, user=UserFactory(email="late@alpha.test"))
    assert not Membership.objects.filter(user__email="late@alpha.test").exists()


def test_an_invitation_is_only_for_the_address_it_was_sent_to(personas):
    _, token = services.invitation_create(
        actor=personas["admin"].actor, email="right@alpha.test", role=Role.PM
    )
    with pytest.raises(ValidationError, match=r"right@alpha\.test"):
        services.invitation_accept(raw_token=token, user=UserFactory(email="wrong@alpha.test"))


def test_inviting_again_replaces_the_open_invitation(personas):
    admin = personas["admin"].actor
    _, first = services.invitation_create(actor=admin, email="twice@alpha.test", role=Role.PM)
    _, second = services.invitation_create(actor=admin, email="twice@alpha.test", role=Role.EXEC)
    user = UserFactory(email="twice@alpha.test")
    with pytest.raises(ValidationError):
        services.invitation_accept(raw_token=first, user=user)
    assert services.invitation_accept(raw_token=second, user=user).role == Role.EXEC


def test_a_pm_cannot_invite(personas):
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=personas["pm"].actor, email="x@alpha.test", role="pm")


def test_the_last_admin_cannot_be_demoted_or_removed(personas):
    admin = personas["admin"]
    with pytest.raises(ValidationError, match="last admin"):
        services.membership_change_role(
            actor=admin.actor, membership=admin.membership, role=Role.PM
        )
    with pytest.raises(ValidationError, match="last admin"):
        services.membership_remove(actor=admin.actor, membership=admin.membership)
    admin.membership.refresh_from_db()
    assert admin.membership.role == Role.ADMIN


def test_an_admin_can_step_down_once_another_admin_exists(personas):
    admin, ops = personas["admin"], personas["ops_lead"]
    services.membership_change_role(actor=admin.actor, membership=ops.membership, role="admin")
    services.membership_change_role(actor=admin.actor, membership=admin.membership, role="pm")
    roles = dict(Membership.objects.values_list("user__email", "role"))
    assert roles["admin@alpha.test"] == Role.PM
    assert roles["ops_lead@alpha.test"] == Role.ADMIN


def test_each_write_records_one_audit_event_with_before_and_after(personas):
    admin, pm = personas["admin"], personas["pm"]
    services.membership_change_role(actor=admin.actor, membership=pm.membership, role="exec")
    event = AuditEvent.objects.get(verb="member.role_changed")
    assert event.actor_user == admin.user
    assert event.workspace == admin.membership.workspace
    assert (event.before, event.after) == ({"role": "pm"}, {"role": "exec"})
    assert event.object_id == str(pm.membership.pk)


def test_a_failed_write_leaves_no_audit_event(personas):
    admin = personas["admin"]
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.membership_remove(actor=admin.actor, membership=admin.membership)
    assert AuditEvent.objects.count() == before


def test_a_token_secret_is_shown_once_and_stored_hashed(personas):
    token, secret = services.token_create(
        actor=personas["admin"].actor, name="Zendesk", scopes=["intake"]
    )
    assert secret.startswith(f"po_{token.prefix}_")
    assert secret.split("_", 2)[2] not in token.secret_hash
    assert len(token.secret_hash) == 64


def test_a_token_needs_known_scopes(personas):
    with pytest.raises(ValidationError) as failure:
        services.token_create(actor=personas["admin"].actor, name="Bad", scopes=["root"])
    assert "scopes" in failure.value.error_dict


def test_a_workspace_address_must_be_free_and_not_reserved(personas):
    user = personas["pm"].user
    with pytest.raises(ValidationError, match="taken"):
        services.workspace_create(user=user, name="Copy", slug="alpha")
    with pytest.raises(ValidationError, match="reserved"):
        services.workspace_create(user=user, name="API", slug="api")
    workspace = services.workspace_create(user=user, name="Side project", slug="side")
    assert Membership.objects.get(workspace=workspace, user=user).role == Role.ADMIN


def test_a_change_mark_names_each_bucket_once_and_keeps_the_latest_time(personas):
    from productops.audit import mark_changed
    from productops.models import ChangeMark

    workspace = personas["admin"].membership.workspace
    mark_changed(workspace, "feedback", "2026-11-01")
    first = ChangeMark.objects.get(workspace=workspace, topic="feedback", bucket="2026-11-01")
    mark_changed(workspace, "feedback", "2026-11-01")
    mark_changed(workspace, "feedback", "2026-11-02")
    marks = ChangeMark.objects.filter(workspace=workspace, topic="feedback")
    assert sorted(marks.values_list("bucket", flat=True)) == ["2026-11-01", "2026-11-02"]
    assert marks.get(bucket="2026-11-01").marked_at >= first.marked_at


def test_marks_of_many_buckets_are_one_statement_and_wake_the_dashboards_once_a_commit(
    personas, workspace_b, django_capture_on_commit_callbacks, django_assert_num_queries
):
    from django.db import transaction

    from productops.audit import mark_buckets, mark_changed
    from productops.models import ChangeMark

    workspace = personas["admin"].membership.workspace

    class Refused(Exception):
        pass

    with django_capture_on_commit_callbacks() as wakes, transaction.atomic():
        with django_assert_num_queries(1):
            mark_buckets(workspace, "feedback", ["2026-11-03", "2026-11-01", "2026-11-03"])
        mark_changed(workspace, "feedback", "2026-11-02")
        mark_changed(workspace_b, "feedback", "2026-11-02")
        mark_buckets(workspace, "ideas", [])  # nothing to mark: no statement, no wake-up
    # One wake-up per workspace that has new marks, however many marks it wrote.
    assert len(wakes) == 2
    marked = ChangeMark.objects.filter(workspace=workspace, topic="feedback")
    assert sorted(marked.values_list("bucket", flat=True)) == [
        "2026-11-01",
        "2026-11-02",
        "2026-11-03",
    ]

    # A mark rolled back with its savepoint takes its wake-up along; the next mark wakes again.
    # (Another workspace: this test's own transaction still holds the wake-ups above.)
    other = WorkspaceFactory()
    with django_capture_on_commit_callbacks() as wakes, transaction.atomic():
        try:
            with transaction.atomic():
                mark_changed(other, "tools", "saas")
                raise Refused
        except Refused:
            pass
        mark_changed(other, "tools", "hr")
    assert len(wakes) == 1
    assert list(
        ChangeMark.objects.filter(workspace=other, topic="tools").values_list("bucket", flat=True)
    ) == ["hr"]


def test_every_capability_names_its_roles_and_its_token_scope():
    from productops.capabilities import ROLES_FOR, SCOPE_FOR, Capability

    assert set(ROLES_FOR) == set(Capability) == set(SCOPE_FOR)
