"""The weekly availability grid and what a search for days and times asks of it."""

from itertools import product

import pytest

from marketplace.providers.availability import (
    FULL_WEEK,
    Day,
    PartOfDay,
    WeeklyAvailability,
    day_mask,
    required_masks,
    slot_bit,
)

ALL_SLOTS = list(product(Day, PartOfDay))


def matches(grid: WeeklyAvailability, masks: list[int]) -> bool:
    """How the search backends read `required_masks`: every mask shares a bit with the grid."""
    return all(grid.mask & mask for mask in masks)


def test_every_slot_has_its_own_bit_and_together_they_fill_the_week():
    bits = [slot_bit(day, part) for day, part in ALL_SLOTS]
    assert len(set(bits)) == 28
    assert all(bit & (bit - 1) == 0 for bit in bits)  # one bit each
    assert sum(bits) == FULL_WEEK
    assert FULL_WEEK < 2**63  # fits the BigIntegerField


def test_a_grid_round_trips_through_its_slots():
    slots = [(Day.MONDAY, PartOfDay.MORNING), (Day.WEDNESDAY, PartOfDay.EVENING), (Day.SUNDAY, PartOfDay.OVERNIGHT)]
    grid = WeeklyAvailability.from_slots(slots)
    assert grid.slots() == slots
    assert WeeklyAvailability.from_slots(grid.slots()) == grid
    assert grid.is_available(Day.WEDNESDAY, PartOfDay.EVENING)
    assert not grid.is_available(Day.WEDNESDAY, PartOfDay.MORNING)


def test_slot_codes_are_the_index_keywords():
    grid = WeeklyAvailability.from_slots([(Day.TUESDAY, PartOfDay.MORNING), (Day.SATURDAY, PartOfDay.OVERNIGHT)])
    assert grid.slot_codes() == ["tue-morning", "sat-overnight"]


def test_grid_rows_are_one_per_day_in_part_order():
    grid = WeeklyAvailability.from_slots([(Day.FRIDAY, PartOfDay.AFTERNOON)])
    rows = grid.grid()
    assert [day for day, _ in rows] == list(Day)
    assert dict(rows)[Day.FRIDAY] == [False, True, False, False]
    assert dict(rows)[Day.MONDAY] == [False, False, False, False]


def test_empty_and_full_grids():
    assert WeeklyAvailability().is_empty
    assert not WeeklyAvailability(FULL_WEEK).is_empty
    assert len(WeeklyAvailability(FULL_WEEK).slots()) == 28


def test_labels_codes_and_hours():
    assert (Day.THURSDAY.label, Day.THURSDAY.code) == ("Thursday", "thu")
    assert (PartOfDay.OVERNIGHT.label, PartOfDay.OVERNIGHT.code) == ("Overnight", "overnight")
    assert PartOfDay.OVERNIGHT.hours == ("22:00", "08:00")
    assert [part.hours[0] for part in PartOfDay] == ["08:00", "12:00", "17:00", "22:00"]


def test_day_mask_without_parts_is_the_whole_day():
    assert day_mask(Day.MONDAY) == sum(slot_bit(Day.MONDAY, part) for part in PartOfDay)
    assert day_mask(Day.MONDAY, [PartOfDay.EVENING]) == slot_bit(Day.MONDAY, PartOfDay.EVENING)


def test_no_days_and_no_times_asks_nothing():
    assert required_masks(None, None) == []
    assert required_masks([], []) == []
    assert matches(WeeklyAvailability(), required_masks([], []))


def test_every_chosen_day_needs_one_of_the_chosen_times():
    masks = required_masks([Day.TUESDAY, Day.THURSDAY], [PartOfDay.MORNING, PartOfDay.AFTERNOON])
    tuesday_and_thursday = WeeklyAvailability.from_slots(
        [(Day.TUESDAY, PartOfDay.MORNING), (Day.THURSDAY, PartOfDay.AFTERNOON)]
    )
    tuesday_only = WeeklyAvailability.from_slots(
        [(Day.TUESDAY, PartOfDay.MORNING), (Day.TUESDAY, PartOfDay.AFTERNOON)]
    )
    thursday_evening = WeeklyAvailability.from_slots(
        [(Day.TUESDAY, PartOfDay.MORNING), (Day.THURSDAY, PartOfDay.EVENING)]
    )
    assert matches(tuesday_and_thursday, masks)
    assert not matches(tuesday_only, masks)
    assert not matches(thursday_evening, masks)


def test_days_without_times_means_any_time_that_day():
    masks = required_masks([Day.SATURDAY], [])
    assert matches(WeeklyAvailability.from_slots([(Day.SATURDAY, PartOfDay.OVERNIGHT)]), masks)
    assert not matches(WeeklyAvailability.from_slots([(Day.SUNDAY, PartOfDay.MORNING)]), masks)


def test_times_without_days_means_that_time_on_any_day():
    masks = required_masks([], [PartOfDay.EVENING])
    assert len(masks) == 1
    assert matches(WeeklyAvailability.from_slots([(Day.WEDNESDAY, PartOfDay.EVENING)]), masks)
    assert not matches(WeeklyAvailability.from_slots([(Day.WEDNESDAY, PartOfDay.MORNING)]), masks)


@pytest.mark.parametrize(("day", "part"), ALL_SLOTS)
def test_a_single_slot_search_finds_exactly_the_grids_with_that_slot(day, part):
    masks = required_masks([day], [part])
    assert matches(WeeklyAvailability.from_slots([(day, part)]), masks)
    everything_else = WeeklyAvailability(FULL_WEEK & ~slot_bit(day, part))
    assert not matches(everything_else, masks)
