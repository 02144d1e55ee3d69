"""Every write to contingency flags goes through these functions.

Other apps report what they notice with `contingency_signal` (and the capacity
update with `contingency_check_capacity`); commissioners act on flags through
the rest. Levels rise automatically but only a person lowers one, and every
change is appended to `FlagLevelChange`.
"""

import logging
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.core.notifications import email_send
from marketplace.providers.models import Provider

from .models import (
    LEVEL_RANK,
    ContingencyFlag,
    Duty,
    FlagLevelChange,
    FlagTrigger,
    Level,
    Signal,
)

logger = logging.getLogger(__name__)


class ContingencyError(Exception):
    """A change to a contingency flag that the rules do not allow; the message is for people."""


# The level an automatic signal opens a flag at, or raises an open flag to
# (never lowers it). Documented in docs/contingency.md; change both together.
SIGNAL_LEVELS: dict[str, str] = {
    Signal.ACCREDITATION_LAPSED: Level.WATCH,
    Signal.OVERDUE_ACCOUNTS: Level.WATCH,
    Signal.CAPACITY_FALL: Level.WATCH,
    Signal.POOR_MONITORING_RATING: Level.AT_RISK,
    Signal.CQC_INADEQUATE: Level.AT_RISK,
    Signal.INSOLVENCY: Level.AT_RISK,
    Signal.CQC_DEREGISTERED: Level.FAILING,
    Signal.STRUCK_OFF: Level.FAILING,
}

# A fall in capacity of at least this share (or to zero) is a signal.
CAPACITY_FALL_SHARE = 0.5


def default_duty(provider: Provider) -> str:
    """The Care Act s.48 temporary duty applies to CQC-registered providers; otherwise the general duty."""
    return Duty.S48_TEMPORARY if provider.is_registered_with_cqc else Duty.GENERAL_ELIGIBLE_NEEDS


def _open_flag_for_update(provider: Provider) -> ContingencyFlag | None:
    return ContingencyFlag.objects.select_for_update().filter(provider=provider, closed_at__isnull=True).first()


def _create_flag(
    *, provider: Provider, level: str, lead_officer: User | None = None, **fields: object
) -> ContingencyFlag:
    try:
        with transaction.atomic():
            return ContingencyFlag.objects.create(
                provider=provider,
                level=level,
                duty=fields.pop("duty", None) or default_duty(provider),
                lead_officer=lead_officer,
                opened_on=fields.pop("today", None) or timezone.localdate(),
                **fields,
            )
    except IntegrityError as error:
        raise ContingencyError(f"{provider.name} already has an open contingency flag.") from error


def _commissioner_emails() -> list[str]:
    try:
        from marketplace.accounts.selectors import commissioner_email_addresses  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        from marketplace.accounts.roles import COMMISSIONERS

        return list(
            User.objects.filter(groups__name=COMMISSIONERS, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    return list(commissioner_email_addresses())


def _notify_commissioners(*, flag: ContingencyFlag, subject: str, what: str) -> None:
    email_send(
        to=_commissioner_emails(),
        subject=subject,
        template="contingency_flag_changed",
        context={"flag": flag, "provider": flag.provider, "what": what, "admin_path": flag_admin_path(flag)},
    )


def flag_admin_path(flag: ContingencyFlag) -> str:
    """Where commissioners see the flag in the Wagtail admin."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("contingency_admin:flag", args=[flag.pk])
    except NoReverseMatch:
        return f"/admin/contingency/flags/{flag.pk}/"


@transaction.atomic
def contingency_signal(
    *, provider: Provider, signal: str, detail: str, today: date | None = None
) -> ContingencyFlag | None:
    """Record an automatic trigger: open a flag, or raise the open one to the signal's level.

    Returns the flag, or None when nothing new was recorded (the same signal
    with the same detail is already on the open flag). Never lowers a level.
    """
    if signal not in SIGNAL_LEVELS:
        raise ContingencyError(f"“{signal}” is not a contingency signal.")
    detail = detail.strip() or Signal(signal).label
    today = today or timezone.localdate()
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    signal_level = SIGNAL_LEVELS[signal]
    label = Signal(signal).label
    flag = _open_flag_for_update(provider)
    if flag is None:
        flag = _create_flag(provider=provider, level=signal_level, today=today)
        FlagLevelChange.objects.create(
            flag=flag, from_level="", to_level=signal_level, decided_by=None, reason=f"Automatic: {label}. {detail}"
        )
        FlagTrigger.objects.create(flag=flag, source=FlagTrigger.Source.AUTOMATIC, kind=signal, detail=detail)
        _notify_commissioners(
            flag=flag,
            subject=f"Contingency flag opened: {provider.name} ({flag.get_level_display()})",
            what=f"A contingency flag was opened at “{flag.get_level_display()}” because: {label}. {detail}",
        )
        return flag
    if flag.triggers.filter(source=FlagTrigger.Source.AUTOMATIC, kind=signal, detail=detail).exists():
        return None
    FlagTrigger.objects.create(flag=flag, source=FlagTrigger.Source.AUTOMATIC, kind=signal, detail=detail)
    if LEVEL_RANK[signal_level] > LEVEL_RANK.get(flag.level, 0):
        previous = flag.get_level_display()
        FlagLevelChange.objects.create(
            flag=flag,
            from_level=flag.level,
            to_level=signal_level,
            decided_by=None,
            reason=f"Automatic: {label}. {detail}",
        )
        flag.level = signal_level
        flag.save(update_fields=["level"])
        what = f"The flag was raised from “{previous}” to “{flag.get_level_display()}” because: {label}. {detail}"
        subject = f"Contingency flag raised: {provider.name} ({flag.get_level_display()})"
    else:
        what = f"A new trigger was recorded on the open flag (level unchanged): {label}. {detail}"
        subject = f"Contingency flag: new trigger for {provider.name}"
    _notify_commissioners(flag=flag, subject=subject, what=what)
    return flag


def capacity_fell_sharply(previous: int | None, new: int | None) -> bool:
    """True when capacity fell by half or more, or to zero, from a known positive figure."""
    if not previous or new is None:
        return False
    return new == 0 or new <= previous * (1 - CAPACITY_FALL_SHARE)


def contingency_check_capacity(
    *,
    provider: Provider,
    previous_hours: int | None = None,
    new_hours: int | None = None,
    previous_places: int | None = None,
    new_places: int | None = None,
    today: date | None = None,
) -> ContingencyFlag | None:
    """Raise the capacity-fall signal when hours per week or places per day fell by half or more, or to zero.

    The providers app calls this with the figures before and after a capacity update.
    """
    falls = []
    if capacity_fell_sharply(previous_hours, new_hours):
        falls.append(f"Capacity fell from {previous_hours} to {new_hours} hours a week.")
    if capacity_fell_sharply(previous_places, new_places):
        falls.append(f"Capacity fell from {previous_places} to {new_places} places a day.")
    if not falls:
        return None
    return contingency_signal(provider=provider, signal=Signal.CAPACITY_FALL, detail=" ".join(falls), today=today)
