"""Money in pence as people read it."""

from django import template

register = template.Library()


def format_pence(amount: int | None, *, signed: bool = False) -> str:
    """1850 as "£18.50", -1850 as "-£18.50" (and "+£18.50" when `signed`)."""
    if amount is None:
        return ""
    amount = int(amount)
    sign = "-" if amount < 0 else ("+" if signed and amount > 0 else "")
    value = abs(amount)
    return f"{sign}£{value // 100:,}.{value % 100:02d}"


def plain_pounds(amount: int) -> str:
    """-1850 as "-18.50", for spreadsheets."""
    sign = "-" if amount < 0 else ""
    value = abs(int(amount))
    return f"{sign}{value // 100}.{value % 100:02d}"


@register.filter
def money(amount: int | None) -> str:
    return format_pence(amount)


@register.filter
def signed_money(amount: int | None) -> str:
    return "" if not amount else format_pence(amount, signed=True)
