"""The weekly availability grid: seven days by four parts of the day.

A provider's grid is stored as one integer with a bit for each slot, so
"available on Tuesday mornings" is a single indexed bitwise test in SQL and a
keyword term in Elasticsearch.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum


class Day(IntEnum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6

    @property
    def label(self) -> str:
        return self.name.title()

    @property
    def code(self) -> str:
        return self.name[:3].lower()


class PartOfDay(IntEnum):
    MORNING = 0
    AFTERNOON = 1
    EVENING = 2
    OVERNIGHT = 3

    @property
    def label(self) -> str:
        return self.name.title()

    @property
    def code(self) -> str:
        return self.name.lower()

    @property
    def hours(self) -> tuple[str, str]:
        """Opening and closing times used when the grid is published as a schedule."""
        return {
            PartOfDay.MORNING: ("08:00", "12:00"),
            PartOfDay.AFTERNOON: ("12:00", "17:00"),
            PartOfDay.EVENING: ("17:00", "22:00"),
            PartOfDay.OVERNIGHT: ("22:00", "08:00"),
        }[self]


PARTS_PER_DAY = len(PartOfDay)
FULL_WEEK = (1 << (len(Day) * PARTS_PER_DAY)) - 1


def slot_bit(day: Day, part: PartOfDay) -> int:
    return 1 << (int(day) * PARTS_PER_DAY + int(part))


def day_mask(day: Day, parts: Iterable[PartOfDay] | None = None) -> int:
    """The bits of one day, limited to the given parts (all parts when none)."""
    mask = 0
    for part in list(parts or []) or list(PartOfDay):
        mask |= slot_bit(day, part)
    return mask


def required_masks(days: Iterable[Day] | None, parts: Iterable[PartOfDay] | None) -> list[int]:
    """What a search for these days and parts of the day asks of a provider.

    Each returned mask must share at least one bit with the provider's grid:
    every chosen day needs at least one of the chosen parts ("Tuesdays and
    Thursdays, morning or afternoon"). With no days chosen, any single day
    with one of the chosen parts will do. No days and no parts asks nothing.
    """
    chosen_days = list(days or [])
    chosen_parts = list(parts or [])
    if not chosen_days and not chosen_parts:
        return []
    if not chosen_days:
        mask = 0
        for day in Day:
            mask |= day_mask(day, chosen_parts)
        return [mask]
    return [day_mask(day, chosen_parts) for day in chosen_days]


@dataclass(frozen=True)
class WeeklyAvailability:
    mask: int = 0

    @classmethod
    def from_slots(cls, slots: Iterable[tuple[Day, PartOfDay]]) -> "WeeklyAvailability":
        mask = 0
        for day, part in slots:
            mask |= slot_bit(day, part)
        return cls(mask)

    def is_available(self, day: Day, part: PartOfDay) -> bool:
        return bool(self.mask & slot_bit(day, part))

    def slots(self) -> list[tuple[Day, PartOfDay]]:
        return [(day, part) for day in Day for part in PartOfDay if self.is_available(day, part)]

    def slot_codes(self) -> list[str]:
        """Keywords such as 'tue-morning', used by the search index."""
        return [f"{day.code}-{part.code}" for day, part in self.slots()]

    def grid(self) -> list[tuple[Day, list[bool]]]:
        """Rows for a day-by-part table."""
        return [(day, [self.is_available(day, part) for part in PartOfDay]) for day in Day]

    @property
    def is_empty(self) -> bool:
        return self.mask == 0
