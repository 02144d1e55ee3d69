"""The demo county's contingency flags: realistic proportions and one failing provider with its story."""

from collections import Counter
from datetime import date

import pytest

from marketplace.contingency.models import ContingencyFlag, FlagEvent, Level
from marketplace.contingency.services import NEUTRAL_NOTICES
from marketplace.demo.builder import demo_county_build
from marketplace.demo.contingency import MINIMUM_OPEN_FLAGS, build_contingency_demo
from marketplace.providers.models import Provider

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


@pytest.fixture
def county(db: None) -> None:
    demo_county_build(scale=0.1, seed=2026, today=TODAY)


def test_a_few_open_flags_mostly_watch_or_at_risk(county: None) -> None:
    open_flags = ContingencyFlag.objects.open()
    levels = Counter(open_flags.values_list("level", flat=True))
    providers = Provider.objects.count()

    assert MINIMUM_OPEN_FLAGS <= open_flags.count() <= max(MINIMUM_OPEN_FLAGS, providers * 0.02)
    assert levels[Level.FAILING] == 1
    assert levels[Level.WATCH] + levels[Level.AT_RISK] == open_flags.count() - 1
    assert ContingencyFlag.objects.closed().count() == 2
    for flag in ContingencyFlag.objects.all():
        assert flag.triggers.exists()
        assert flag.level_changes.filter(from_level="").count() == 1


def test_the_failing_provider_has_a_timeline_people_and_a_neutral_notice(county: None) -> None:
    flag = ContingencyFlag.objects.get(level=Level.FAILING)

    assert flag.provider.kind == Provider.Kind.HOME_CARE_AGENCY
    assert flag.provider.public_notice == NEUTRAL_NOTICES[0]
    assert flag.events.filter(kind=FlagEvent.Kind.COMMUNICATION).count() >= 3
    assert flag.affected_people.count() == 5
    assert flag.business_continuity_plan
    assert list(flag.level_changes.order_by("decided_at").values_list("to_level", flat=True)) == ["at_risk", "failing"]
    assert Provider.objects.exclude(public_notice="").count() == 1


def test_building_again_gives_the_same_flags(county: None) -> None:
    before = list(ContingencyFlag.objects.order_by("provider__slug").values_list("provider__slug", "level"))

    result = build_contingency_demo(seed=2026, today=TODAY, commissioner=None)

    after = list(ContingencyFlag.objects.order_by("provider__slug").values_list("provider__slug", "level"))
    assert after == before
    assert result.open_flags == ContingencyFlag.objects.open().count()
