"""Pence arithmetic and bank holidays for agreements: one place for rounding and for the calendar."""

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import holidays


def amount_in_pence(quantity: Decimal, rate_pence: int) -> int:
    """Hours or sessions times a rate, rounded half up to the penny once: 2.5 h at 1251p -> 3128p."""
    return int((Decimal(quantity) * rate_pence).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def split_by_shares(amount_pence: int, parts: Sequence[int]) -> list[int]:
    """Split whole pence in proportion to `parts` so the pieces always add up to `amount_pence`.

    The largest remainder method: everyone gets the floor of their exact
    share; the pence left over (fewer than the number of shares) go one each
    to the largest remainders, ties to the earlier share. Integer arithmetic
    throughout, so no penny is lost or invented: 1000p in three equal parts
    is 334p, 333p, 333p.
    """
    if amount_pence < 0:
        raise ValueError("An amount to share cannot be negative.")
    if not parts or any(part <= 0 for part in parts):
        raise ValueError("Every share needs at least one part.")
    whole = sum(parts)
    pieces = [amount_pence * part // whole for part in parts]
    remainders = [amount_pence * part % whole for part in parts]
    left_over = amount_pence - sum(pieces)
    for index in sorted(range(len(parts)), key=lambda i: (-remainders[i], i))[:left_over]:
        pieces[index] += 1
    return pieces


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
