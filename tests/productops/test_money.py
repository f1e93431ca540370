"""One money format everywhere, in the workspace currency (productops/money.py)."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from feedback.models import Account
from productops.money import format_money
from tests.conftest import signed_in

TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (Decimal("12400.5"), "USD", "$12,401"),
        (Decimal("12400.49"), "USD", "$12,400"),
        ("1440.00", "EUR", "€1,440"),
        (5000, "SEK", "5,000 SEK"),
        (Decimal("-3.5"), "GBP", "-£4"),
        (0, "USD", "$0"),
        (None, "USD", "—"),
        ("", "USD", "—"),
    ],
)
def test_money_reads_in_whole_units_with_the_currency_symbol_or_code(value, currency, expected):
    assert format_money(value, currency) == expected


def test_no_template_formats_money_any_other_way():
    """Amounts go through |money: no currency code pasted before a floatformat."""
    pasted = re.compile(r"currency \}\}\s*\{\{[^}]*(floatformat|annual|revenue|cost)")
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.*")
        if path.suffix in {".html", ".txt"} and pasted.search(path.read_text())
    ]
    assert offenders == []


@pytest.mark.django_db
def test_revenue_on_the_accounts_page_reads_in_the_money_format(pm, workspace_a):
    Account.objects.create(workspace=workspace_a, name="Initech", annual_revenue=Decimal("84500"))

    accounts = signed_in(pm).get("/w/alpha/feedback/accounts/").content.decode()

    assert workspace_a.currency == "USD"
    assert "$84,500" in accounts and "USD 84,500" not in accounts
