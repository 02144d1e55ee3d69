"""Each automatic signal opens or raises a contingency flag at the documented level."""

from datetime import date

import pytest
from django.core import mail

from marketplace.contingency.models import AutomaticTrigger, ContingencyFlag, FlagLevelChange, FlagTrigger, Level
from marketplace.contingency.services import (
    AUTOMATIC_TRIGGER_LEVELS,
    ContingencyError,
    contingency_check_capacity,
    contingency_signal,
)
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("signal", "level"),
    [
        ("cqc_inadequate", "at_risk"),
        ("cqc_deregistered", "failing"),
        ("insolvency", "at_risk"),
        ("struck_off", "failing"),
        ("overdue_accounts", "watch"),
        ("poor_monitoring_rating", "at_risk"),
        ("accreditation_lapsed", "watch"),
        ("capacity_fall", "watch"),
    ],
)
def test_each_signal_opens_a_flag_at_its_documented_level(
    signal: str, level: str, commissioner_user, django_capture_on_commit_callbacks
) -> None:
    provider = ProviderFactory.create()

    with django_capture_on_commit_callbacks(execute=True):
        flag = contingency_signal(provider=provider, signal=signal, detail="Seen on 3 March", today=date(2025, 3, 3))

    assert flag is not None
    assert flag.level == level
    assert flag.opened_on == date(2025, 3, 3)
    trigger = flag.triggers.get()
    assert (trigger.source, trigger.kind, trigger.detail) == ("automatic", signal, "Seen on 3 March")
    change = flag.level_changes.get()
    assert change.from_level == ""
    assert change.to_level == level
    assert change.decided_by is None
    assert AutomaticTrigger(signal).label in change.reason
    assert [message.to for message in mail.outbox] == [[commissioner_user.email]]
    assert provider.name in mail.outbox[0].subject


def test_every_signal_has_a_level() -> None:
    assert set(AUTOMATIC_TRIGGER_LEVELS) == set(AutomaticTrigger.values)


def test_a_more_serious_signal_raises_the_open_flag() -> None:
    provider = ProviderFactory.create()
    flag = contingency_signal(provider=provider, signal="overdue_accounts", detail="Accounts due 1 Jan")
    assert flag is not None
    assert flag.level == Level.WATCH

    raised = contingency_signal(provider=provider, signal="struck_off", detail="First Gazette notice")

    assert raised is not None
    assert raised.pk == flag.pk
    flag.refresh_from_db()
    assert flag.level == Level.FAILING
    assert list(flag.level_changes.values_list("from_level", "to_level")) == [("watch", "failing"), ("", "watch")]
    assert flag.triggers.count() == 2


def test_a_milder_signal_never_lowers_the_level() -> None:
    provider = ProviderFactory.create()
    contingency_signal(provider=provider, signal="cqc_deregistered", detail="Registration cancelled")

    flag = contingency_signal(provider=provider, signal="accreditation_lapsed", detail="DBS expired")

    assert flag is not None
    assert flag.level == Level.FAILING
    assert flag.level_changes.count() == 1
    assert flag.triggers.count() == 2


def test_the_same_signal_twice_adds_nothing(django_capture_on_commit_callbacks, commissioner_user) -> None:
    provider = ProviderFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        contingency_signal(provider=provider, signal="insolvency", detail="Administrator appointed")
        again = contingency_signal(provider=provider, signal="insolvency", detail="Administrator appointed")

    assert again is None
    assert FlagTrigger.objects.count() == 1
    assert FlagLevelChange.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_unknown_signal_is_refused() -> None:
    with pytest.raises(ContingencyError):
        contingency_signal(provider=ProviderFactory.create(), signal="rumour", detail="")


@pytest.mark.parametrize(
    ("before", "after", "fell"),
    [
        (40, 20, True),
        (40, 0, True),
        (40, 21, False),
        (40, 40, False),
        (None, 0, False),
        (0, 0, False),
        (40, None, False),
    ],
)
def test_capacity_fall_of_half_or_to_zero_in_hours_is_a_signal(before, after, fell) -> None:
    provider = ProviderFactory.create()

    flag = contingency_check_capacity(provider=provider, previous_hours=before, new_hours=after)

    assert (flag is not None) is fell
    assert ContingencyFlag.objects.filter(provider=provider).exists() is fell


def test_capacity_fall_in_places_is_a_signal() -> None:
    provider = ProviderFactory.create()

    flag = contingency_check_capacity(provider=provider, previous_places=12, new_places=5)

    assert flag is not None
    assert flag.triggers.get().detail == "Capacity fell from 12 to 5 places a day."


def test_a_visit_finalised_poor_in_monitoring_flags_the_provider_at_risk(commissioner_user) -> None:
    """The real caller: monitoring reports a Poor overall rating when a visit is finalised."""
    from marketplace.monitoring.models import DOMAIN_FIELDS, Rating
    from marketplace.monitoring.services import visit_finalise, visit_record

    provider = ProviderFactory.create()
    visit = visit_record(
        provider=provider,
        visit_type="unannounced",
        visited_on=date(2025, 5, 2),
        by=commissioner_user,
        ratings=dict.fromkeys(DOMAIN_FIELDS, Rating.POOR),
        today=date(2025, 5, 3),
    )

    visit_finalise(visit=visit, by=commissioner_user)

    flag = ContingencyFlag.objects.open().get(provider=provider)
    assert flag.level == Level.AT_RISK
    trigger = flag.triggers.get()
    assert trigger.kind == AutomaticTrigger.POOR_MONITORING_RATING
    assert "02 May 2025" in trigger.detail
