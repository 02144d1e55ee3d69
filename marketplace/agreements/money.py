"""Pence arithmetic and bank holidays for agreements: one place for rounding and for the calendar."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import holidays


def amount_in_pence(quantity: Decimal, rate_pence: int) -> int:
    """Hours or sessions times a rate, rounded half up to the penny once: 2.5 h at 1251p -> 3128p."""
    return int((Decimal(quantity) * rate_pence).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def pounds(pence: int) -> str:
    """1271 -> '£12.71'."""
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"


@cache
def _england_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=[year]).items())


def bank_holiday_name(day: date) -> str | None:
    """The bank holiday in England on `day` (Christmas and Boxing Day and their substitute days included), or None."""
    return _england_holidays(day.year).get(day)
