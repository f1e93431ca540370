"""The one money format of the product: whole units in the workspace currency (or a
contract's own), "$12,401" for a currency with a symbol, "12,401 SEK" for one without.

Pages use it as the `money` template filter (a builtin: no {% load %}), Python text (emails,
sentences) calls `format_money` directly."""

from decimal import ROUND_HALF_UP, Decimal

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def format_money(value: object, currency: str = "") -> str:
    """12400.5, "USD" -> "$12,401"; -3.2, "SEK" -> "-3 SEK"; None or "" -> "—".

    Rounds half up to whole units: budgets, spend and revenue are read in whole units."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    text = f"{abs(amount):,}"
    sign = "-" if amount < 0 else ""
    symbol = SYMBOLS.get(currency)
    if symbol:
        return f"{sign}{symbol}{text}"
    return f"{sign}{text} {currency}".strip()
