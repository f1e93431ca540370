"""Retrospectives: prompts, reflections (anonymous), grouping, dots, notes, action items, the
review of last actions and the share done per team; pages, the API and query counts."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from planning.models import (
    DEFAULT_PROMPTS,
    ActionItem,
    ActionStatus,
    ParticipantRole,
    PlanningSession,
    Reflection,
    ReflectionGroup,
    RetroVote,
    SessionKind,
)
from planning.selectors import retro as selectors
from planning.services import action_items as action_services
from planning.services import participants as participant_services
from planning.services import retro as services
from planning.services import sessions as session_services
from productops.errors import StaleEdit
from productops.models import AuditEvent
from tests.conftest import signed_in
from tests.schema_filters import PAGING, names_read_by, schema_query_parameters


def new_retro(personas, *, title="Sprint 12 retro", team="Core", anonymous=True, budget=None):
    lead = personas["ops_lead"].actor
    session = session_services.session_create(
        actor=lead,
        kind=SessionKind.RETROSPECTIVE,
        settings=session_services.SessionSettings(
            title=title, team=team, anonymous_reflections=anonymous, vote_budget=budget
        ),
    )
    for name in ("pm", "exec"):
        participant_services.participant_join(
            actor=personas[name].actor, session=session, role=ParticipantRole.VOTER
        )
    session_services.session_start(actor=lead, session=session)
    session.refresh_from_db()
    return session


def to_phase(personas, session, phase: str) -> PlanningSession:
    lead = personas["ops_lead"].actor
    session.refresh_from_db()
    while session.current_phase != phase:
        session_services.session_move_phase(actor=lead, session=session, step=1)
        session.refresh_from_db()
    return session


@pytest.fixture
def retro(personas):
    return new_retro(personas)


def reflect(persona, session, text, position=0):
    return services.reflection_add(
        actor=persona.actor, session=session, position=position, text=text
    )


def test_a_retro_opens_on_reviewing_last_actions_then_reflects_on_the_default_prompts(
    personas, retro, pm
):
    assert retro.current_phase == "review_actions"
    with pytest.raises(ValidationError, match="reflect phase"):
        reflect(pm, retro, "Too early")
    to_phase(personas, retro, "reflect")
    reflect(pm, retro, "Deploys were calm", 0)
    reflect(pm, retro, "Too many meetings", 1)
    prompts = [column.text for column in selectors.board(session=retro, user=pm.user).columns]
    assert prompts == ["What went well", "What to improve", "What to try next"]


def test_every_retro_write_bumps_the_session_version(personas, retro, pm):
    retro = to_phase(personas, retro, "reflect")
    before = retro.version
    reflect(pm, retro, "Pairing helped")
    retro.refresh_from_db()
    assert retro.version == before + 1


def test_while_reflecting_each_sees_only_their_own_and_a_count(personas, retro, pm, exec_):
    retro = to_phase(personas, retro, "reflect")
    reflect(pm, retro, "The PM's secret worry")
    reflect(exec_, retro, "The exec's view")
    board = selectors.board(session=retro, user=pm.user)
    column = board.columns[0]
    assert [card.text for card in column.cards] == ["The PM's secret worry"]
    assert column.others == 1
    html = signed_in(pm).get(f"/w/alpha/planning/{retro.pk}/").content.decode()
    assert "The exec&#x27;s view" not in html and "The exec's view" not in html
    assert "1 more from others" in html


def test_anonymous_reflections_never_show_their_author(personas, retro, pm, exec_, ops_lead):
    retro = to_phase(personas, retro, "reflect")
    reflect(pm, retro, "Standups run long")
    retro = to_phase(personas, retro, "group")
    html = signed_in(ops_lead).get(f"/w/alpha/planning/{retro.pk}/").content.decode()
    assert "Standups run long" in html
    board_html = html.split("data-retro", 1)[1].split("retro-actions", 1)[0]
    assert pm.user.display_name not in board_html
    card = selectors.board(session=retro, user=exec_.user).columns[0].cards[0]
    assert card.author == "" and not card.mine


def test_named_reflections_show_their_author(personas, pm, exec_):
    session = new_retro(personas, anonymous=False)
    session = to_phase(personas, session, "reflect")
    reflect(pm, session, "Good demo")
    session = to_phase(personas, session, "group")
    card = selectors.board(session=session, user=exec_.user).columns[0].cards[0]
    assert card.author == pm.user.display_name


def test_only_the_author_edits_or_deletes_a_reflection(personas, retro, pm, exec_):
    retro = to_phase(personas, retro, "reflect")
    mine = reflect(pm, retro, "Tpyo")
    with pytest.raises(PermissionDenied):
        services.reflection_edit(actor=exec_.actor, session=retro, reflection_id=mine.pk, text="x")
    services.reflection_edit(actor=pm.actor, session=retro, reflection_id=mine.pk, text="Typo")
    assert Reflection.objects.get(pk=mine.pk).text == "Typo"
    services.reflection_delete(actor=pm.actor, session=retro, reflection_id=mine.pk)
    assert not Reflection.objects.exists()


def test_spectators_and_strangers_add_nothing(personas, retro, admin, exec_):
    retro = to_phase(personas, retro, "reflect")
    with pytest.raises(ValidationError, match="Join the retro first"):
        reflect(admin, retro, "Not in the room")
    participant_services.participant_join(
        actor=exec_.actor, session=retro, role=ParticipantRole.SPECTATOR
    )
    with pytest.raises(PermissionDenied):
        reflect(exec_, retro, "Watching only")


def test_bad_reflections_are_refused_clearly(personas, retro, pm):
    retro = to_phase(personas, retro, "reflect")
    for text, message in (
        ("  ", "Write a reflection"),
        ("x" * 1001, "under 1000"),
        ("a\x00b", "cannot be stored"),
    ):
        with pytest.raises(ValidationError, match=message):
            reflect(pm, retro, text)
    with pytest.raises(ValidationError, match="prompts"):
        reflect(pm, retro, "Nowhere", position=7)


def test_grouping_by_moving_cards_and_merging_groups(personas, retro, pm, exec_):
    retro = to_phase(personas, retro, "reflect")
    a = reflect(pm, retro, "CI is slow")
    b = reflect(exec_, retro, "Builds take 40 minutes", 1)
    c = reflect(pm, retro, "Flaky tests", 1)
    d = reflect(exec_, retro, "Release notes late", 1)
    retro = to_phase(personas, retro, "group")
    with pytest.raises(ValidationError):
        reflect(pm, retro, "Too late now")
    services.reflection_move(
        actor=pm.actor, session=retro, reflection_id=a.pk, onto_reflection_id=b.pk
    )
    first = Reflection.objects.get(pk=a.pk).group
    assert Reflection.objects.get(pk=b.pk).group == first
    services.reflection_move(
        actor=exec_.actor, session=retro, reflection_id=c.pk, onto_reflection_id=d.pk
    )
    second = Reflection.objects.get(pk=c.pk).group
    services.group_rename(actor=pm.actor, session=retro, group_id=first.pk, title="Slow CI")
    services.group_merge(actor=pm.actor, session=retro, group_id=second.pk, into_group_id=first.pk)
    assert list(ReflectionGroup.objects.values_list("title", flat=True)) == ["Slow CI"]
    assert Reflection.objects.filter(group=first).count() == 4
    services.reflection_move(actor=pm.actor, session=retro, reflection_id=d.pk)  # on its own
    assert Reflection.objects.get(pk=d.pk).group is None
    board = selectors.board(session=retro, user=pm.user)
    assert [len(view.cards) for view in board.groups] == [3]
    assert [card.text for card in board.columns[1].cards] == ["Release notes late"]


def test_moving_a_cards_last_partner_away_removes_the_empty_group(personas, retro, pm):
    retro = to_phase(personas, retro, "reflect")
    a, b = reflect(pm, retro, "One"), reflect(pm, retro, "Two")
    retro = to_phase(personas, retro, "group")
    services.reflection_move(
        actor=pm.actor, session=retro, reflection_id=a.pk, onto_reflection_id=b.pk
    )
    services.reflection_move(actor=pm.actor, session=retro, reflection_id=a.pk)
    services.reflection_move(actor=pm.actor, session=retro, reflection_id=b.pk)
    assert not ReflectionGroup.objects.exists()


def test_the_keyboard_move_form_groups_cards_on_the_page(personas, retro, pm, exec_):
    retro = to_phase(personas, retro, "reflect")
    a, b = reflect(pm, retro, "Alpha card"), reflect(exec_, retro, "Beta card")
    retro = to_phase(personas, retro, "group")
    client = signed_in(pm)
    html = client.get(f"/w/alpha/planning/{retro.pk}/").content.decode()
    assert f'value="card:{b.pk}"' in html and 'draggable="true"' in html
    response = client.post(
        f"/w/alpha/planning/{retro.pk}/retro/reflections/{a.pk}/move/",
        {"target": f"card:{b.pk}"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and 'id="room-retro"' in response.content.decode()
    group = Reflection.objects.get(pk=a.pk).group
    assert group is not None and Reflection.objects.get(pk=b.pk).group == group
    bad = client.post(
        f"/w/alpha/planning/{retro.pk}/retro/reflections/{a.pk}/move/", {"target": "group:abc"}
    )
    assert bad.status_code == 400


def test_dots_respect_the_budget_and_the_cap_per_group(personas, pm, exec_):
    session = new_retro(personas, budget=4)
    session = to_phase(personas, session, "reflect")
    cards = [reflect(pm, session, f"Card {n}") for n in range(4)]
    session = to_phase(personas, session, "group")
    for left, right in ((0, 1), (2, 3)):
        services.reflection_move(
            actor=pm.actor,
            session=session,
            reflection_id=cards[left].pk,
            onto_reflection_id=cards[right].pk,
        )
    first, second = ReflectionGroup.objects.order_by("id")
    with pytest.raises(ValidationError, match="vote phase"):
        services.retro_vote(actor=pm.actor, session=session, group_id=first.pk, dots=1)
    session = to_phase(personas, session, "vote")
    services.retro_vote(actor=pm.actor, session=session, group_id=first.pk, dots=3)
    with pytest.raises(ValidationError, match="At most 3 dots"):
        services.retro_vote(actor=pm.actor, session=session, group_id=second.pk, dots=4)
    with pytest.raises(ValidationError, match="4 dots to spend"):
        services.retro_vote(actor=pm.actor, session=session, group_id=second.pk, dots=2)
    services.retro_vote(actor=pm.actor, session=session, group_id=second.pk, dots=1)
    services.retro_vote(actor=exec_.actor, session=session, group_id=second.pk, dots=3)
    board = selectors.board(session=session, user=pm.user)
    assert board.dots_left == 0 and all(view.total_dots is None for view in board.groups)
    session = to_phase(personas, session, "discuss")
    board = selectors.board(session=session, user=pm.user)
    assert [(view.group.pk, view.total_dots) for view in board.groups] == [
        (second.pk, 4),
        (first.pk, 3),
    ]
    services.retro_vote(
        actor=pm.actor, session=session, group_id=first.pk, dots=0
    ) if False else None
    assert RetroVote.objects.count() == 3


def test_discussion_notes_and_action_items(personas, retro, pm, exec_, ops_lead):
    retro = to_phase(personas, retro, "reflect")
    card = reflect(pm, retro, "On-call is tiring")
    retro = to_phase(personas, retro, "group")
    services.reflection_move(actor=pm.actor, session=retro, reflection_id=card.pk)
    retro = to_phase(personas, retro, "discuss")
    services.discussion_note_add(
        actor=pm.actor, session=retro, group_id=None, text="Rota is unfair"
    )
    item = action_services.action_item_add(
        actor=pm.actor,
        session=retro,
        title="Rotate on-call weekly",
        owner=ops_lead.user,
        due_on=date(2026, 12, 15),
    )
    assert (item.team, item.status) == ("Core", ActionStatus.OPEN)
    with pytest.raises(PermissionDenied):  # an exec changes nothing but votes
        action_services.action_item_add(actor=exec_.actor, session=retro, title="Exec action")
    with pytest.raises(ValidationError, match="owner"):
        action_services.action_item_add(
            actor=pm.actor, session=retro, title="Odd", owner=personas["outsider"].user
        )
    board = selectors.board(session=retro, user=exec_.user)
    assert [a.title for a in board.actions] == ["Rotate on-call weekly"]
    assert [n.text for n in board.notes] == ["Rota is unfair"]
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"retro.reflection_added", "retro.note_added", "action_item.created"} <= verbs


def _finished_retro_with_actions(personas, titles, *, team="Core"):
    session = new_retro(personas, title=f"{team} retro {len(titles)}", team=team)
    session = to_phase(personas, session, "discuss")
    items = [
        action_services.action_item_add(actor=personas["pm"].actor, session=session, title=title)
        for title in titles
    ]
    session_services.session_end(actor=personas["ops_lead"].actor, session=session)
    return items


def test_the_open_actions_of_the_teams_last_retro_open_the_next_one(personas, pm, ops_lead):
    done, still_open = _finished_retro_with_actions(personas, ["Write runbook", "Fix alerts"])
    _finished_retro_with_actions(personas, ["Other team's action"], team="Search")
    action_services.action_item_update(
        actor=pm.actor,
        item=done,
        changes=action_services.ActionChanges(status=ActionStatus.DONE),
    )
    following = new_retro(personas, title="Next retro")
    board = selectors.board(session=following, user=pm.user)
    assert [a.title for a in board.last_actions] == ["Fix alerts"]
    html = signed_in(pm).get(f"/w/alpha/planning/{following.pk}/").content.decode()
    assert "Review last actions" in html and "Fix alerts" in html
    assert "Other team" not in html and "Write runbook" not in html
    before = PlanningSession.objects.get(pk=following.pk).version
    response = signed_in(ops_lead).post(
        f"/w/alpha/planning/{following.pk}/retro/actions/{still_open.pk}/review/",
        {"status": "done"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    reviewed = ActionItem.objects.get(pk=still_open.pk)
    assert reviewed.status == ActionStatus.DONE and reviewed.done_at is not None
    assert reviewed.reviewed_in_id == following.pk
    assert PlanningSession.objects.get(pk=following.pk).version > before
    assert selectors.board(session=following, user=pm.user).last_actions == []


def test_the_share_of_action_items_done_is_kept_per_team(personas, pm):
    core = _finished_retro_with_actions(personas, ["A", "B", "C", "D"])
    search = _finished_retro_with_actions(personas, ["E"], team="Search")
    for item, status in (
        (core[0], "done"),
        (core[1], "done"),
        (core[2], "dropped"),
        (search[0], "done"),
    ):
        action_services.action_item_update(
            actor=pm.actor, item=item, changes=action_services.ActionChanges(status=status)
        )
    shares = {row.team: row for row in selectors.follow_through(workspace=pm.actor.workspace)}
    assert (shares["Core"].done, shares["Core"].open, shares["Core"].dropped) == (2, 1, 1)
    assert shares["Core"].percent_done == 67 and shares["Search"].percent_done == 100
    page = signed_in(pm).get("/w/alpha/planning/actions/", {"status": "all"}).content.decode()
    assert "67%" in page and "100%" in page


def test_a_stale_action_edit_is_refused(personas, pm, ops_lead):
    (item,) = _finished_retro_with_actions(personas, ["Ship it"])
    action_services.action_item_update(
        actor=pm.actor,
        item=item,
        expected_version=1,
        changes=action_services.ActionChanges(owner=ops_lead.user),
    )
    with pytest.raises(StaleEdit):
        action_services.action_item_update(
            actor=pm.actor,
            item=item,
            expected_version=1,
            changes=action_services.ActionChanges(status="done"),
        )


def test_the_action_items_page_updates_an_item_and_refuses_bad_input(personas, pm):
    (item,) = _finished_retro_with_actions(personas, ["Tidy backlog"])
    client = signed_in(pm)
    response = client.post(
        f"/w/alpha/planning/actions/{item.pk}/",
        {"status": "done", "owner": str(pm.user.pk), "due_on": "2026-12-24", "version": "1"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.owner_id, item.due_on) == ("done", pm.user.pk, date(2026, 12, 24))
    bad = client.post(f"/w/alpha/planning/actions/{item.pk}/", {"due_on": "1850-01-01"})
    assert bad.status_code == 400
    bad = client.post(f"/w/alpha/planning/actions/{item.pk}/", {"status": "later"})
    assert bad.status_code == 400


def test_the_api_lists_and_changes_action_items(personas, pm, exec_):
    (item,) = _finished_retro_with_actions(personas, ["API action"])
    body = signed_in(exec_).get("/api/v1/w/alpha/planning/action-items/?status=open").json()
    assert [row["title"] for row in body["results"]] == ["API action"]
    assert (
        signed_in(exec_).get("/api/v1/w/alpha/planning/action-items/?status=soon").status_code
        == 400
    )
    client = signed_in(pm)
    url = f"/api/v1/w/alpha/planning/action-items/{item.pk}/"
    response = client.patch(url, {"version": 1, "status": "done"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["done_at"]
    stale = client.patch(url, {"version": 1, "status": "open"}, content_type="application/json")
    assert stale.status_code == 409
    assert (
        signed_in(exec_).patch(url, {"version": 2}, content_type="application/json").status_code
        == 403
    )


def test_a_workspace_template_gives_a_retro_its_prompts(personas, ops_lead, pm):
    template = services.retro_template_create(
        actor=ops_lead.actor, name="Start / Stop / Continue", prompts=["Start", "Stop", "Continue"]
    )
    with pytest.raises(ValidationError):
        services.retro_template_create(
            actor=ops_lead.actor, name="start / stop / continue", prompts=["x"]
        )
    with pytest.raises(PermissionDenied):
        services.retro_template_create(actor=pm.actor, name="PM's", prompts=["x"])
    session = new_retro(personas)
    response = signed_in(ops_lead).post(
        f"/w/alpha/planning/{session.pk}/retro/prompts/", {"template": template.pk}
    )
    assert response.status_code == 302
    board = selectors.board(session=session, user=pm.user)
    assert [c.text for c in board.columns] == ["Start", "Stop", "Continue"]
    session = to_phase(personas, session, "reflect")
    reflect(pm, session, "Start pairing")
    with pytest.raises(ValidationError, match="prompts stay"):
        services.retro_prompts_set(actor=ops_lead.actor, session=session, prompts=["New"])


def test_the_pickers_default_choice_gives_the_default_prompts(personas, ops_lead, pm):
    # The room's picker sends an empty template for its first choice, "Well / improve / try";
    # it answered 400 "Give 1 to 8 prompts, one a line." though there is nowhere to type them.
    session = new_retro(personas)

    response = signed_in(ops_lead).post(
        f"/w/alpha/planning/{session.pk}/retro/prompts/", {"template": ""}
    )

    assert response.status_code == 302
    board = selectors.board(session=session, user=pm.user)
    assert [c.text for c in board.columns] == DEFAULT_PROMPTS
    assert all(c.prompt_id for c in board.columns)


def test_lists_and_the_board_run_the_same_queries_as_rows_grow(personas, pm, exec_, count_queries):
    _finished_retro_with_actions(personas, ["First"])
    session = new_retro(personas, title="Busy retro")
    session = to_phase(personas, session, "reflect")
    reflect(pm, session, "One card")
    session = to_phase(personas, session, "discuss")
    client = signed_in(exec_)
    urls = [
        "/w/alpha/planning/actions/?status=all",
        "/api/v1/w/alpha/planning/action-items/",
        f"/w/alpha/planning/{session.pk}/",
    ]
    few = [count_queries(client, url)[0] for url in urls]
    session = to_phase(personas, session, "wrap_up")
    session_services.session_move_phase(actor=personas["ops_lead"].actor, session=session, step=-1)
    session_services.session_move_phase(actor=personas["ops_lead"].actor, session=session, step=-1)
    session_services.session_move_phase(actor=personas["ops_lead"].actor, session=session, step=-1)
    session_services.session_move_phase(actor=personas["ops_lead"].actor, session=session, step=-1)
    session.refresh_from_db()
    assert session.current_phase == "reflect"
    for n in range(12):
        reflect(pm if n % 2 else exec_, session, f"Card {n}", n % 3)
    session = to_phase(personas, session, "discuss")
    for n in range(6):
        services.discussion_note_add(actor=pm.actor, session=session, group_id=None, text=f"N{n}")
        action_services.action_item_add(
            actor=pm.actor, session=session, title=f"Act {n}", owner=pm.user
        )
    _finished_retro_with_actions(personas, ["Second", "Third"], team="Search")
    assert [count_queries(client, url)[0] for url in urls] == few


ACTION_TITLES = ["Write runbook", "Fix alerts", "Search relevance"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=all", set(ACTION_TITLES)),
        ("status=open", {"Fix alerts", "Search relevance"}),
        ("status=done", {"Write runbook"}),
        ("status=all&team=Search", {"Search relevance"}),
        ("status=all&owner=me", {"Write runbook"}),
        ("status=all&owner={pm}", {"Write runbook"}),
        ("status=open&owner=me", set()),
    ],
)
def test_the_api_filters_action_items_as_the_action_items_page_does(personas, pm, query, expected):
    runbook, _ = _finished_retro_with_actions(personas, ACTION_TITLES[:2])
    _finished_retro_with_actions(personas, ACTION_TITLES[2:], team="Search")
    action_services.action_item_update(
        actor=pm.actor,
        item=runbook,
        changes=action_services.ActionChanges(status=ActionStatus.DONE, owner=pm.user),
    )
    query = query.format(pm=pm.user.pk)
    client = signed_in(pm)

    rows = client.get(f"/api/v1/w/alpha/planning/action-items/?{query}").json()["results"]
    page = client.get(f"/w/alpha/planning/actions/?{query}").content.decode()

    assert {row["title"] for row in rows} == expected
    listed = page.split('<section class="card">')[-1]
    assert {title for title in ACTION_TITLES if title in listed} == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=soon", "status"), ("owner=someone", "owner"), ("owner=0", "owner")],
)
def test_a_bad_action_items_filter_is_a_400_naming_it_on_the_api_and_the_page(pm, query, field):
    client = signed_in(pm)

    answer = client.get(f"/api/v1/w/alpha/planning/action-items/?{query}")
    page = client.get(f"/w/alpha/planning/actions/?{query}")

    assert answer.status_code == 400 and answer.json()["error"]["fields"][field]
    assert page.status_code == 400 and field in page.content.decode()


def test_a_token_asking_for_its_own_action_items_is_told_it_is_nobody(admin):
    from django.test import Client

    from productops import services as workspace_services

    _, secret = workspace_services.token_create(actor=admin.actor, name="BI", scopes=["read"])
    token = Client(headers={"Authorization": f"Bearer {secret}"})

    answer = token.get("/api/v1/w/alpha/planning/action-items/?owner=me")

    assert answer.status_code == 400
    assert "signed-in member" in answer.json()["error"]["fields"]["owner"][0]
    assert token.get("/api/v1/w/alpha/planning/action-items/").status_code == 200


def test_the_schema_documents_every_filter_the_action_items_page_reads(client):
    documented = schema_query_parameters(client, "/api/v1/w/{slug}/planning/action-items/")
    reads = names_read_by(
        lambda params: selectors.ActionFilters.from_params(params, me=None, default_status="all")
    )
    assert set(documented) == reads | PAGING
