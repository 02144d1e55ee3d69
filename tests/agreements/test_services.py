"""Agreements in versions, timesheet entries and invoices: the rules the services keep."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from marketplace.agreements import services
from marketplace.agreements.models import Agreement, AgreementSettings, Invoice, TimesheetEntry
from marketplace.agreements.money import amount_in_pence, bank_holiday_name
from marketplace.agreements.services import AgreementError
from marketplace.agreements.tasks import approve_overdue_timesheets
from marketplace.core.models import OutboxEmail
from tests.factories import AgreementFactory, TimesheetEntryFactory

from .conftest import NOW, START, TODAY, moment, record, terms

pytestmark = pytest.mark.django_db


# Versions -----------------------------------------------------------------------------------


def test_a_proposal_is_accepted_by_its_proposer_and_waits_for_the_other_side(proposed: Agreement) -> None:
    version = proposed.versions.get()
    assert proposed.status == Agreement.Status.PROPOSED
    assert proposed.in_force is None
    assert version.holder_accepted_at is not None
    assert version.provider_accepted_at is None


def test_once_both_accept_the_first_version_is_in_force(agreement: Agreement) -> None:
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.LIVE
    assert agreement.in_force is not None
    assert agreement.in_force.number == 1


def test_a_change_leaves_the_version_in_force_until_both_accept(
    agreement: Agreement, provider_owner: Any, personal_care: Any
) -> None:
    holder_user = agreement.holder.user
    services.agreement_change(
        agreement=agreement,
        by=holder_user,
        side="holder",
        terms=terms(personal_care, rate_pence=1700, change_note="A pound more"),
        now=NOW,
    )
    agreement.refresh_from_db()
    assert agreement.in_force.number == 1
    assert agreement.in_force.rate_pence == 1600
    with pytest.raises(AgreementError):  # the holder's side already accepted by proposing
        services.agreement_accept(agreement=agreement, version_number=2, by=holder_user, side="holder", now=NOW)
    agreement.refresh_from_db()
    assert agreement.in_force.number == 1
    services.agreement_accept(agreement=agreement, version_number=2, by=provider_owner, side="provider", now=NOW)
    agreement.refresh_from_db()
    assert agreement.in_force.number == 2
    assert agreement.in_force.rate_pence == 1700
    assert agreement.versions.get(number=1).rate_pence == 1600  # the old version is never edited


def test_a_second_change_replaces_a_waiting_one_and_the_old_number_cannot_be_accepted(
    agreement: Agreement, provider_owner: Any, personal_care: Any
) -> None:
    user = agreement.holder.user
    services.agreement_change(
        agreement=agreement, by=user, side="holder", terms=terms(personal_care, change_note="one"), now=NOW
    )
    services.agreement_change(
        agreement=agreement, by=user, side="holder", terms=terms(personal_care, change_note="two"), now=NOW
    )
    assert agreement.versions.get(number=2).withdrawn_at is not None
    with pytest.raises(AgreementError, match="changed or already agreed"):
        services.agreement_accept(agreement=agreement, version_number=2, by=provider_owner, side="provider", now=NOW)
    services.agreement_accept(agreement=agreement, version_number=3, by=provider_owner, side="provider", now=NOW)
    agreement.refresh_from_db()
    assert agreement.in_force.number == 3


def test_accepting_twice_at_once_records_one_acceptance(proposed: Agreement, provider_owner: Any) -> None:
    """Two people of the provider's team press accept on the same page: the second, working from the
    same stale copy, is told it is already agreed (the row lock serialises them on PostgreSQL)."""
    stale = Agreement.objects.get(pk=proposed.pk)
    services.agreement_accept(agreement=proposed, version_number=1, by=provider_owner, side="provider", now=NOW)
    with pytest.raises(AgreementError):
        services.agreement_accept(agreement=stale, version_number=1, by=provider_owner, side="provider", now=NOW)
    assert Agreement.objects.get(pk=proposed.pk).in_force.number == 1


def test_a_change_needs_a_note_and_terms_are_checked(agreement: Agreement, personal_care: Any) -> None:
    with pytest.raises(AgreementError) as missing_note:
        services.agreement_change(
            agreement=agreement, by=agreement.holder.user, side="holder", terms=terms(personal_care), now=NOW
        )
    assert missing_note.value.field == "change_note"
    with pytest.raises(AgreementError) as topup:
        services.agreement_change(
            agreement=agreement,
            by=agreement.holder.user,
            side="holder",
            terms=terms(personal_care, topup_pence=2000, change_note="x"),
            now=NOW,
        )
    assert topup.value.field == "topup"


def test_only_one_open_agreement_between_the_same_two(agreement: Agreement, personal_care: Any) -> None:
    with pytest.raises(AgreementError, match="already an agreement"):
        services.agreement_propose(
            holder=agreement.holder,
            provider=agreement.provider,
            by=agreement.holder.user,
            side="holder",
            terms=terms(personal_care),
            now=NOW,
        )


def test_proposing_emails_the_other_side_only(proposed: Agreement) -> None:
    recipients = set(
        OutboxEmail.objects.filter(subject="A support agreement is waiting for you").values_list("to", flat=True)
    )
    assert recipients == {"hetal@example.org"}


# Ending -------------------------------------------------------------------------------------


def test_ending_respects_the_notice_unless_both_agreed(agreement: Agreement, provider_owner: Any) -> None:
    with pytest.raises(AgreementError) as early:
        services.agreement_end(
            agreement=agreement,
            by=provider_owner,
            side="provider",
            reason="Moving away",
            last_day=TODAY + timedelta(days=7),
            today=TODAY,
            now=NOW,
        )
    assert early.value.field == "last_day"
    ended = services.agreement_end(
        agreement=agreement,
        by=provider_owner,
        side="provider",
        reason="Moving away",
        last_day=TODAY + timedelta(days=7),
        shorter_notice_agreed=True,
        today=TODAY,
        now=NOW,
    )
    assert ended.status == Agreement.Status.ENDED
    assert ended.ended_on == TODAY + timedelta(days=7)
    assert ended.ended_by == provider_owner
    assert ended.ended_by_side == "provider"
    assert "shorter notice" in ended.end_reason


def test_ending_with_full_notice_and_no_entries_after_the_last_day(agreement: Agreement, provider_owner: Any) -> None:
    last_day = TODAY + timedelta(weeks=4)
    services.agreement_end(
        agreement=agreement,
        by=agreement.holder.user,
        side="holder",
        reason="Going into residential care",
        last_day=last_day,
        today=TODAY,
        now=NOW,
    )
    with pytest.raises(AgreementError, match="ended"):
        record(agreement, provider_owner, last_day + timedelta(days=1), today=last_day + timedelta(days=2))


def test_a_proposal_nobody_accepted_ends_today(proposed: Agreement) -> None:
    ended = services.agreement_end(
        agreement=proposed,
        by=proposed.holder.user,
        side="holder",
        reason="Found someone else",
        last_day=TODAY,
        today=TODAY,
        now=NOW,
    )
    assert ended.ended_on == TODAY
    assert ended.versions.get().withdrawn_at is not None


# Timesheets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "rate", "expected"),
    [("2.5", 1251, 3128), ("1.25", 1250, 1563), ("0.25", 1, 0), ("0.5", 1, 1), ("24", 100_000, 2_400_000)],
)
def test_amounts_round_half_up_to_the_penny(quantity: str, rate: int, expected: int) -> None:
    assert amount_in_pence(Decimal(quantity), rate) == expected


def test_an_entry_is_priced_once_with_its_top_up_and_a_decide_by_day(
    agreement: Agreement, provider_owner: Any, site: Any
) -> None:
    settings = AgreementSettings.for_site(site)
    settings.days_to_approve = 5
    settings.save()
    entry = record(agreement, provider_owner, date(2026, 3, 3), "2.5")
    assert (entry.rate_pence, entry.amount_pence, entry.own_money_pence) == (1600, 4000, 250)
    assert entry.decide_by == TODAY + timedelta(days=5)
    assert entry.status == TimesheetEntry.Status.SUBMITTED
    assert entry.is_bank_holiday is False


@pytest.mark.parametrize("day", [date(2026, 12, 25), date(2026, 12, 28), date(2027, 3, 29), date(2026, 8, 31)])
def test_bank_holidays_in_england_take_the_bank_holiday_rate(
    day: date, agreement: Agreement, provider_owner: Any
) -> None:
    assert bank_holiday_name(day) is not None
    entry = record(agreement, provider_owner, day, "2", today=day)
    assert entry.is_bank_holiday
    assert entry.rate_pence == 2400
    assert entry.amount_pence == 4800


def test_a_change_applies_from_its_start_day_and_earlier_days_keep_the_old_rate(
    agreement: Agreement, provider_owner: Any, personal_care: Any
) -> None:
    services.agreement_change(
        agreement=agreement,
        by=provider_owner,
        side="provider",
        terms=terms(personal_care, rate_pence=1800, start_on=date(2026, 3, 9), change_note="New rate from the 9th"),
        now=NOW,
    )
    services.agreement_accept(agreement=agreement, version_number=2, by=agreement.holder.user, side="holder", now=NOW)
    assert record(agreement, provider_owner, date(2026, 3, 6)).rate_pence == 1600
    assert record(agreement, provider_owner, date(2026, 3, 9)).rate_pence == 1800


@pytest.mark.parametrize(
    ("worked_on", "quantity", "field"),
    [
        (TODAY + timedelta(days=1), "3", "worked_on"),
        (START - timedelta(days=1), "3", "worked_on"),
        (TODAY, "25", "quantity"),
        (TODAY, "0.1", "quantity"),
    ],
)
def test_entries_that_cannot_be_right_are_refused(
    agreement: Agreement, provider_owner: Any, worked_on: date, quantity: str, field: str
) -> None:
    with pytest.raises(AgreementError) as refused:
        record(agreement, provider_owner, worked_on, quantity)
    assert refused.value.field == field


def test_nothing_is_recorded_before_both_accept(proposed: Agreement, provider_owner: Any) -> None:
    with pytest.raises(AgreementError, match="Both sides"):
        record(proposed, provider_owner, START)


def test_query_answer_correct_and_approve(agreement: Agreement, provider_owner: Any, family: Any) -> None:
    entry = record(agreement, provider_owner, date(2026, 3, 3), "4")
    services.timesheet_query(entry=entry, by=family, body="Mum says it was three hours", now=NOW)
    entry.refresh_from_db()
    assert entry.status == TimesheetEntry.Status.QUERIED
    message = entry.messages.get()
    assert message.side == "holder"
    assert message.on_behalf_of == agreement.holder
    assert message.sent_by == family
    services.timesheet_reply(entry=entry, by=provider_owner, side="provider", body="You are right, sorry", now=NOW)
    corrected = services.timesheet_correct(
        entry=entry, by=provider_owner, worked_on=entry.worked_on, quantity=Decimal("3"), note="", today=TODAY, now=NOW
    )
    entry.refresh_from_db()
    assert entry.status == TimesheetEntry.Status.WITHDRAWN
    assert entry.messages.count() == 3
    services.timesheet_approve(entry=corrected, by=family, now=NOW)
    corrected.refresh_from_db()
    assert corrected.status == TimesheetEntry.Status.APPROVED
    assert corrected.amount_pence == 4800
    with pytest.raises(AgreementError):
        services.timesheet_approve(entry=corrected, by=family, now=NOW)


def test_an_empty_query_is_refused_and_nothing_changes(agreement: Agreement, provider_owner: Any, family: Any) -> None:
    entry = record(agreement, provider_owner, date(2026, 3, 3))
    with pytest.raises(AgreementError) as refused:
        services.timesheet_query(entry=entry, by=family, body="   ", now=NOW)
    assert refused.value.field == "body"
    entry.refresh_from_db()
    assert entry.status == TimesheetEntry.Status.SUBMITTED


# The daily automatic approval ---------------------------------------------------------------


@pytest.mark.parametrize(
    "today",
    [
        date(2026, 3, 10),
        date(2028, 2, 29),
        date(2026, 3, 29),
        date(2026, 10, 25),
        date(2026, 12, 31),
        date(2027, 1, 1),
    ],
    ids=["ordinary", "leap-day", "clocks-forward", "clocks-back", "year-end", "new-year"],
)
def test_the_daily_job_approves_overdue_entries_on_any_day_once(today: date) -> None:
    agreement = AgreementFactory(version__start_on=today - timedelta(days=30))
    due_yesterday = TimesheetEntryFactory(
        agreement=agreement, worked_on=today - timedelta(days=8), decide_by=today - timedelta(days=1)
    )
    due_today = TimesheetEntryFactory(agreement=agreement, worked_on=today - timedelta(days=7), decide_by=today)
    queried = TimesheetEntryFactory(
        agreement=agreement, worked_on=today - timedelta(days=9), decide_by=today - timedelta(days=2), status="queried"
    )
    with time_machine.travel(moment(today, 6), tick=False):
        assert approve_overdue_timesheets.apply().get() == 1
        assert approve_overdue_timesheets.apply().get() == 0  # idempotent
        call_command("approve_overdue_timesheets", stdout=open("/dev/null", "w"))  # noqa: SIM115
    due_yesterday.refresh_from_db()
    due_today.refresh_from_db()
    queried.refresh_from_db()
    assert due_yesterday.status == "approved"
    assert due_yesterday.approved_automatically
    assert due_yesterday.decided_by is None
    assert due_today.status == "submitted"  # the person still has today
    assert queried.status == "queried"


def test_the_command_takes_a_day_of_its_own() -> None:
    entry = TimesheetEntryFactory(decide_by=date(2026, 1, 10))
    call_command("approve_overdue_timesheets", "--today", "2026-01-11", stdout=open("/dev/null", "w"))  # noqa: SIM115
    entry.refresh_from_db()
    assert entry.status == "approved"


# Invoices -----------------------------------------------------------------------------------


def test_an_invoice_gathers_approved_entries_up_to_a_day_and_splits_the_money(
    agreement: Agreement, provider_owner: Any, family: Any
) -> None:
    first = record(agreement, provider_owner, date(2026, 3, 3), "2.5")
    second = record(agreement, provider_owner, date(2026, 3, 5), "3")
    later = record(agreement, provider_owner, date(2026, 3, 9), "1")
    waiting = record(agreement, provider_owner, date(2026, 3, 4), "1")
    for entry in (first, second, later):
        services.timesheet_approve(entry=entry, by=family, now=NOW)
    invoice = services.invoice_issue(
        agreement=agreement, by=provider_owner, up_to=date(2026, 3, 8), today=TODAY, now=NOW
    )
    assert invoice.total_pence == 4000 + 4800
    assert invoice.own_money_pence == 250 + 300
    assert invoice.council_pence == invoice.total_pence - 550
    assert (invoice.period_start, invoice.period_end) == (date(2026, 3, 3), date(2026, 3, 5))
    assert invoice.status == Invoice.Status.PAYABLE
    assert invoice.due_on == TODAY + timedelta(days=14)
    assert services.invoice_totals_check(invoice)
    waiting.refresh_from_db()
    assert waiting.invoice is None
    second_invoice = services.invoice_issue(agreement=agreement, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)
    assert second_invoice.number != invoice.number
    assert second_invoice.total_pence == 1600
    with pytest.raises(AgreementError, match="no approved entries"):
        services.invoice_issue(agreement=agreement, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)


def test_an_invoice_is_paid_once(agreement: Agreement, provider_owner: Any, family: Any) -> None:
    entry = record(agreement, provider_owner, date(2026, 3, 3))
    services.timesheet_approve(entry=entry, by=family, now=NOW)
    invoice = services.invoice_issue(agreement=agreement, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)
    services.mark_invoice_paid(
        invoice=invoice, by=family, route="bank_transfer", reference="HOLLIS-1", paid_on=TODAY, now=NOW
    )
    with pytest.raises(AgreementError, match="already paid"):
        services.mark_invoice_paid(
            invoice=invoice, by=family, route="bank_transfer", reference="x", paid_on=TODAY, now=NOW
        )
