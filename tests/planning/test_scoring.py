"""Scales, scoring models, the formula evaluator and the suggested final value."""

import ast
import math
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning import scales, scoring
from planning.formula import FUNCTIONS, Formula
from planning.models import ScoringFormula
from planning.scales import FormulaError, ScaleKind, ScoringError
from planning.scoring import check_dots, dot_totals, suggest_final
from planning.selectors import scoring as scoring_selectors
from planning.services import scoring as scoring_services
from planning.services.scoring import FormulaSpec
from productops.errors import StaleEdit
from productops.models import AuditEvent
from tests.conftest import signed_in

# Scales


@pytest.mark.parametrize(
    ("kind", "accepted", "refused"),
    [
        (ScaleKind.FIBONACCI, ["0", "1", "2", "3", "5", "8", "13", "21", 34], ["4", "6", "-1"]),
        (ScaleKind.TSHIRT, ["XS", "s", "M", "l", "XL", "XXL", "3"], ["XXXL", "4", "medium"]),
        (ScaleKind.IMPORTANCE, ["0", "1", "2", "3"], ["4", "1.5", "-1"]),
        (ScaleKind.ONE_TO_TEN, ["1", "5", "10"], ["0", "11", "2.5"]),
        (ScaleKind.PERCENT, ["0", "50", "80%", "100", "12.5"], ["101", "-5", "half"]),
        (ScaleKind.NUMBER, ["0", "1200", "3.5"], ["-1", "NaN", "Infinity", "1e99", "x"]),
    ],
)
def test_each_scale_accepts_its_values_and_refuses_others(kind, accepted, refused):
    scale = scales.SCALES[kind]
    for value in accepted:
        assert isinstance(scale.parse(value), Decimal)
    for value in refused:
        with pytest.raises(ScoringError):
            scale.parse(value)


def test_tshirt_sizes_read_as_numbers_and_show_as_labels():
    tshirt = scales.SCALES[ScaleKind.TSHIRT]
    assert tshirt.parse("m") == Decimal(3)
    assert tshirt.display(Decimal(5)) == "L"
    assert scales.SCALES[ScaleKind.PERCENT].display(Decimal("80.0")) == "80%"


def test_a_scale_refusal_names_what_it_accepts():
    with pytest.raises(ScoringError, match="0, 1, 2, 3, 5, 8"):
        scales.SCALES[ScaleKind.FIBONACCI].parse("4")


def test_an_unknown_scale_is_a_clear_error():
    with pytest.raises(ScoringError, match="no 'stars' scale"):
        scales.scale("stars")


# Models on known values


def test_rice_is_reach_times_impact_times_confidence_over_effort():
    values = {"reach": "500", "impact": "2", "confidence": "80%", "effort": "2"}
    assert scoring.RICE.score(values) == Decimal("400.0000")


def test_ice_is_the_average_of_impact_confidence_and_ease():
    assert scoring.ICE.score({"impact": 8, "confidence": 6, "ease": 7}) == Decimal("7.0000")


def test_wsjf_is_cost_of_delay_over_job_size():
    values = {"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "job_size": 5}
    assert scoring.WSJF.score(values) == Decimal("3.2000")


def test_value_over_effort():
    assert scoring.VALUE_EFFORT.score({"value": 9, "effort": 3}) == Decimal("3.0000")


def test_a_model_names_every_bad_field():
    with pytest.raises(ScoringError) as refused:
        scoring.RICE.score({"reach": "-3", "impact": "7", "confidence": "50"})
    message = str(refused.value)
    assert "Reach" in message and "Impact" in message and "Effort: give a value" in message


def test_rice_with_no_effort_is_a_clear_error_not_a_crash():
    values = {"reach": "10", "impact": "1", "confidence": "50", "effort": "0"}
    with pytest.raises(FormulaError, match="divides by zero"):
        scoring.RICE.score(values)


def test_every_built_in_model_has_its_source():
    for model in scoring.BUILT_IN.values():
        assert model.source
    assert "Intercom" in scoring.RICE.source
    assert "SAFe" in scoring.WSJF.source
    assert "Sean Ellis" in scoring.ICE.source


# Dot voting


def test_dots_within_budget_and_cap_leave_the_rest_to_spend():
    assert check_dots({"a": 3, "b": 2}, budget=10, cap=3) == 5


def test_dots_over_the_cap_on_one_item_are_refused():
    with pytest.raises(ScoringError, match="At most 3 dots"):
        check_dots({"a": 4}, budget=10, cap=3)


def test_dots_over_the_budget_are_refused():
    with pytest.raises(ScoringError, match="5 dots to spend; these take 6"):
        check_dots({"a": 3, "b": 3}, budget=5, cap=3)


def test_negative_or_fractional_dots_are_refused():
    for bad in (-1, 1.5, True):
        with pytest.raises(ScoringError):
            check_dots({"a": bad}, budget=5, cap=3)


def test_dot_totals_add_every_ballot():
    totals = dot_totals([{"a": 3, "b": 1}, {"a": 1, "c": 2}, {"b": 0}])
    assert totals == {"a": 4, "b": 1, "c": 2}


# The suggested final value


def test_suggest_final_gives_median_mode_and_spread():
    suggestion = suggest_final([3, 5, 5, 8, 13])
    assert (suggestion.median, suggestion.mode) == (Decimal(5), Decimal(5))
    assert (suggestion.low, suggestion.high, suggestion.spread) == (3, 13, 10)
    assert not suggestion.agreed


def test_suggest_final_moves_the_median_onto_the_scale_upwards_on_a_tie():
    fibonacci = scales.SCALES[ScaleKind.FIBONACCI]
    suggestion = suggest_final([13, 21], fibonacci)
    assert suggestion.median == Decimal(17)
    assert suggestion.suggested == Decimal(21)


def test_suggest_final_mode_tie_goes_to_the_vote_nearest_the_median():
    assert suggest_final([1, 1, 8, 8, 5]).mode == Decimal(8)
    assert suggest_final([2, 2, 3, 3]).mode == Decimal(3)


def test_suggest_final_when_all_agree():
    suggestion = suggest_final([Decimal(8)] * 4)
    assert suggestion.agreed and suggestion.suggested == Decimal(8)


def test_suggest_final_without_votes_is_a_clear_error():
    with pytest.raises(ScoringError, match="No votes"):
        suggest_final([])


# The formula evaluator


def test_a_weighted_formula_over_named_fields():
    formula = Formula("0.6 * value + 0.4 * reach - 0.2 * effort", ["value", "reach", "effort"])
    assert formula.evaluate({"value": 10, "reach": 5, "effort": 5}) == pytest.approx(7.0)


def test_formula_functions_min_max_log_round():
    formula = Formula(
        "round(log(reach, 10) * max(value, 1) / min(effort, 8), 2)", ["reach", "value", "effort"]
    )
    assert formula.evaluate({"reach": 1000, "value": 4, "effort": 3}) == 4.0


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("reach * spam", "Unknown name 'spam'"),
        ("__import__('os').system('true')", "may call only"),
        ("open('/tmp/owned', 'w')", "may call only"),
        ("reach.__class__", "numbers, field names"),
        ("reach[0]", "numbers, field names"),
        ("'a' * 3", "numbers and field names only"),
        ("reach if reach else 1", "numbers, field names"),
        ("lambda: 1", "numbers, field names"),
        ("[x for x in ()]", "numbers, field names"),
        ("reach ** 99", "+ - * /"),
        ("reach > 1", "numbers, field names"),
        ("round(reach, ndigits=2)", "plain values"),
        ("max(*reach)", "plain values"),
        ("max()", "at least one"),
        ("True + reach", "numbers and field names only"),
        ("1j", "numbers and field names only"),
        ("reach = 1", "not a formula"),
        ("(reach", "not a formula"),
        ("", "Write a formula"),
        ("1" * 501, "at most 500 characters"),
        ("-" * 30 + "reach", "nest"),
        ("+".join(["reach"] * 80), "nest"),
        ("+".join(["1"] * 15) + "+max(" + ",".join(["1"] * 190) + ")", "at most 200 parts"),
        ("9" * 400, "too large"),
        ("reach\x00", "not a formula"),
    ],
)
def test_the_evaluator_refuses_anything_that_is_not_a_formula(expression, message):
    with pytest.raises(FormulaError, match=message.replace("*", r"\*").replace("+", r"\+")):
        Formula(expression, ["reach"])


def test_a_refused_call_never_runs(tmp_path):
    target = tmp_path / "owned"
    with pytest.raises(FormulaError):
        Formula(f"open('{target}', 'w')", ["reach"])
    assert not target.exists()


@pytest.mark.parametrize(
    ("expression", "values", "message"),
    [
        ("reach / effort", {"reach": 1, "effort": 0}, "divides by zero"),
        ("log(reach)", {"reach": 0}, "above zero"),
        ("log(reach, 1)", {"reach": 5}, "base"),
        ("round(reach, 0.5)", {"reach": 5}, "whole number"),
        ("reach * reach * reach", {"reach": 1e200}, "too large"),
        ("reach", {}, "No value for reach"),
        ("reach", {"reach": float("nan")}, "finite"),
        ("reach", {"reach": "many"}, "not a number"),
    ],
)
def test_evaluation_errors_are_clear(expression, values, message):
    with pytest.raises(FormulaError, match=message):
        Formula(expression, ["reach", "effort"]).evaluate(values)


ALLOWED_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Call,
    ast.Name,
    ast.Constant,
    ast.Load,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.USub,
    ast.UAdd,
)
NAMES = ["reach", "value", "effort"]
formula_text = st.one_of(
    st.text(max_size=120),
    st.text(
        alphabet="reachvalueffort()+-*/.,0123456789 minaxlogund_'[]:=<>!%@&|~^ejJ", max_size=80
    ),
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=formula_text)
def test_reading_any_text_either_gives_a_formula_or_a_formula_error(text):
    try:
        formula = Formula(text, NAMES)
    except FormulaError:
        return
    # What was accepted is made of allowed parts only, calling allowed functions only.
    for node in ast.walk(formula.tree):
        assert isinstance(node, ALLOWED_NODES), type(node)
        if isinstance(node, ast.Call):
            assert node.func.id in FUNCTIONS
        if isinstance(node, ast.Name):
            assert node.id in NAMES or node.id in FUNCTIONS


number = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)
leaf = st.one_of(
    st.sampled_from(NAMES), st.integers(-1000, 1000).map(str), st.floats(0, 1e6).map(repr)
)
expression = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        inner.map(lambda e: f"-{e}"),
        st.tuples(
            st.sampled_from(["min", "max", "log", "round"]), st.lists(inner, min_size=1, max_size=3)
        ).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
    ),
    max_leaves=25,
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=expression, values=st.fixed_dictionaries({name: number for name in NAMES}))
def test_evaluating_any_formula_gives_a_finite_number_or_a_formula_error(text, values):
    try:
        result = Formula(text, NAMES).evaluate(values)
    except FormulaError:
        return
    assert isinstance(result, float) and math.isfinite(result)


@settings(max_examples=300, deadline=None)
@given(
    values=st.fixed_dictionaries(
        {
            "reach": st.one_of(st.integers(-5, 10**13).map(str), st.text(max_size=8)),
            "impact": st.one_of(st.integers(-1, 4).map(str), st.text(max_size=4)),
            "confidence": st.one_of(st.integers(-10, 110).map(str), st.text(max_size=4)),
            "effort": st.one_of(st.sampled_from(["0", "1", "3", "89"]), st.text(max_size=4)),
        }
    )
)
def test_scoring_any_input_gives_a_score_or_a_scoring_error(values):
    try:
        score = scoring.RICE.score(values)
    except ScoringError:
        return
    assert score.is_finite() and score >= 0


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.sampled_from([0, 1, 2, 3, 5, 8, 13, 21]), min_size=1, max_size=50))
def test_the_suggestion_lies_between_the_lowest_and_highest_vote(values):
    suggestion = suggest_final(values, scales.SCALES[ScaleKind.FIBONACCI])
    assert suggestion.low <= suggestion.median <= suggestion.high
    assert suggestion.low <= suggestion.suggested <= suggestion.high
    assert suggestion.mode in values
    assert suggestion.spread == max(values) - min(values)


# Workspace formulas and the planning settings

WEIGHTED = FormulaSpec(
    name="Weighted value",
    expression="(0.6 * value + 0.4 * reach) / max(effort, 1)",
    fields=[
        {"name": "value", "label": "Value", "scale": "one_to_ten"},
        {"name": "reach", "label": "Reach", "scale": "number"},
        {"name": "effort", "label": "Effort", "scale": "tshirt"},
    ],
    description="Our own: value weighs more than reach.",
)


def test_an_ops_lead_defines_a_formula_that_sessions_can_score_with(ops_lead, workspace_a):
    formula = scoring_services.formula_create(actor=ops_lead.actor, spec=WEIGHTED)
    model = scoring_selectors.scoring_model(workspace=workspace_a, key=formula.key)
    assert model.score({"value": "8", "reach": "12", "effort": "M"}) == Decimal("3.2000")
    keys = [m.key for m in scoring_selectors.scoring_models(workspace=workspace_a)]
    assert keys == ["rice", "ice", "wsjf", "value_effort", "dot_voting", formula.key]
    assert AuditEvent.objects.filter(verb="scoring_formula.created").count() == 1


def test_another_workspaces_formula_is_no_model_here(ops_lead, outsider, workspace_a):
    theirs = scoring_services.formula_create(actor=outsider.actor, spec=WEIGHTED)
    with pytest.raises(ScoringError, match="no scoring model"):
        scoring_selectors.scoring_model(workspace=workspace_a, key=theirs.key)
    for key in ("formula:", "formula:abc", "formula:99999999999999999999999", "nope"):
        with pytest.raises(ScoringError):
            scoring_selectors.scoring_model(workspace=workspace_a, key=key)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Give the formula a name"),
        ({"name": "RICE"}, "name", "built-in"),
        ({"expression": "value * spam"}, "expression", "Unknown name 'spam'"),
        ({"expression": "__import__('os')"}, "expression", "may call only"),
        ({"fields": []}, "fields", "at least one field"),
        ({"fields": [{"name": "Value!", "label": "V", "scale": "number"}]}, "fields", "cannot be"),
        ({"fields": [{"name": "max", "label": "M", "scale": "number"}]}, "fields", "cannot be"),
        ({"fields": [{"name": "v", "label": "V", "scale": "stars"}]}, "fields", "scale must be"),
        ({"fields": [{"name": "v", "scale": "number"}] * 2}, "fields", "named twice"),
        ({"fields": ["value"]}, "fields", "give a name"),
    ],
)
def test_a_bad_formula_is_refused_per_field(ops_lead, changes, field, message):
    spec = FormulaSpec(**{**WEIGHTED.__dict__, **changes})
    with pytest.raises(ValidationError) as refused:
        scoring_services.formula_create(actor=ops_lead.actor, spec=spec)
    assert message in " ".join(refused.value.error_dict[field][0].messages)
    assert not ScoringFormula.objects.exists()


def test_formula_names_are_unique_in_any_case(ops_lead):
    scoring_services.formula_create(actor=ops_lead.actor, spec=WEIGHTED)
    spec = FormulaSpec(**{**WEIGHTED.__dict__, "name": "WEIGHTED VALUE"})
    with pytest.raises(ValidationError, match="exists already"):
        scoring_services.formula_create(actor=ops_lead.actor, spec=spec)


def test_pms_and_execs_cannot_define_formulas(pm, exec_):
    for persona in (pm, exec_):
        with pytest.raises(PermissionDenied):
            scoring_services.formula_create(actor=persona.actor, spec=WEIGHTED)


def test_editing_a_formula_checks_the_version_and_audits_what_changed(ops_lead, admin):
    formula = scoring_services.formula_create(actor=ops_lead.actor, spec=WEIGHTED)
    spec = FormulaSpec(**{**WEIGHTED.__dict__, "expression": "value / effort"})
    scoring_services.formula_update(
        actor=admin.actor, formula=formula, spec=spec, expected_version=1, is_archived=True
    )
    event = AuditEvent.objects.get(verb="scoring_formula.updated")
    assert event.after == {"expression": "value / effort", "is_archived": True}
    with pytest.raises(StaleEdit):
        scoring_services.formula_update(
            actor=ops_lead.actor, formula=formula, spec=WEIGHTED, expected_version=1
        )
    assert not scoring_selectors.formulas(workspace=formula.workspace).exists()


def test_the_half_life_setting_is_checked_and_audited(ops_lead, workspace_a):
    assert (
        scoring_selectors.planning_settings(workspace=workspace_a).evidence_half_life_days is None
    )
    for bad in (0, 4000):
        with pytest.raises(ValidationError):
            scoring_services.planning_settings_update(
                actor=ops_lead.actor, evidence_half_life_days=bad
            )
    scoring_services.planning_settings_update(actor=ops_lead.actor, evidence_half_life_days=90)
    assert scoring_selectors.planning_settings(workspace=workspace_a).evidence_half_life_days == 90
    event = AuditEvent.objects.get(verb="planning.settings_updated")
    assert (event.before, event.after) == (
        {"evidence_half_life_days": None},
        {"evidence_half_life_days": 90},
    )


def test_the_settings_page_saves_a_formula_and_shows_errors_per_field(ops_lead):
    client = signed_in(ops_lead)
    url = "/w/alpha/planning/settings/formulas/new/"
    form = {
        "name": "Reach first",
        "field_lines": "reach | Reach | number\neffort | Effort | fibonacci",
        "expression": "reach / effort",
        "higher_is_better": "on",
    }
    bad = client.post(url, {**form, "expression": "reach / spam"})
    assert bad.status_code == 400 and "Unknown name" in bad.content.decode()
    bad = client.post(url, {**form, "field_lines": "reach | Reach | stars"})
    assert bad.status_code == 400 and "the scale must be one of" in bad.content.decode()
    assert client.post(url, form).status_code == 302
    page = client.get("/w/alpha/planning/settings/").content.decode()
    assert "Reach first" in page and "reach / effort" in page and "Intercom" in page
    formula = ScoringFormula.objects.get()
    edit = client.get(f"/w/alpha/planning/settings/formulas/{formula.pk}/").content.decode()
    assert "reach | Reach | number" in edit


def test_the_settings_page_sets_the_half_life(ops_lead, workspace_a):
    client = signed_in(ops_lead)
    assert (
        client.post("/w/alpha/planning/settings/", {"evidence_half_life_days": "0"}).status_code
        == 400
    )
    assert (
        client.post("/w/alpha/planning/settings/", {"evidence_half_life_days": "60"}).status_code
        == 302
    )
    assert scoring_selectors.planning_settings(workspace=workspace_a).evidence_half_life_days == 60
