"""Support agreements, timesheets and invoices for the demo county, over the last year.

Called once at the end of `builder.demo_county_build`, with the planner's
`today` and `now` (never the real clock). Wendleshire gets:

- Margaret Hollis (dp-holder@demo.example) employs the demo personal assistant
  (pa@demo.example): agreed from her enquiry about eleven months ago, with a
  pay rise agreed four months ago and a further change the PA proposed three
  days ago, waiting for Margaret's side (the pending change). Two visits a
  week, recorded weekly; four-weekly invoices, all paid by the prepaid card
  until an invoice's due day has passed, so the newest are payable; the
  weeks since the last invoice approved and not yet invoiced; the latest
  week's entries waiting for approval, one queried by David
  (family@demo.example), who holds the money right;
- Margaret's earlier agreement with the demo micro-provider
  (provider@demo.example), an organisation: ended by David three months ago
  with full notice, every invoice paid by bank transfer;
- Margaret's day centre (the first published day service without a demo
  login, which `manage.py payments_demo_accounts` connects to the fake
  Stripe so it can be paid online): Wednesdays since the micro-provider's
  agreement ended, invoiced weekly, the newest two left to pay, so David can
  try paying online when the site starts;
- a dozen other holders with agreements: self-employed and employed personal
  assistants and organisations, a few with a top-up from their own money, the
  same weekly pattern of approved entries and mostly paid invoices.

Rows are written directly with what the services would record (amounts
priced once, half up; bank holidays in England at the bank holiday rate), no
emails are sent; paid invoices go through `services.mark_invoice_paid` with
realistic dates (a few days after issue) so the budget ledger can post them.
Deterministic for a seed.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.agreements.models import Agreement, AgreementVersion, Invoice, TimesheetEntry, TimesheetMessage
from marketplace.agreements.money import amount_in_pence, bank_holiday_name
from marketplace.agreements.services import mark_invoice_paid
from marketplace.engagement.models import Enquiry
from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import Provider, ProviderMembership, ServiceType

OTHER_AGREEMENTS = 12
DAYS_TO_APPROVE = 7
INVOICE_DUE_DAYS = 14
INVOICE_EVERY_WEEKS = 4


@dataclass(frozen=True)
class AgreementsDemoResult:
    agreements: int
    entries: int
    invoices: int
    paid: int


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class _Writer:
    """Keeps the invoice sequence per provider and counts what was written."""

    def __init__(self, *, today: date, now: datetime) -> None:
        self.today = today
        self.now = now
        self.sequence: dict[int, int] = {}
        self.entries = 0
        self.invoices = 0
        self.paid = 0

    def agreement(
        self,
        *,
        holder: DirectPaymentHolder,
        provider: Provider,
        created_by: User | None,
        created_on: date,
        enquiry: Enquiry | None = None,
    ) -> Agreement:
        return Agreement.objects.create(
            holder=holder,
            provider=provider,
            enquiry=enquiry,
            status=Agreement.Status.LIVE,
            created_by=created_by,
            created_at=_at(created_on, 11),
        )

    def version(
        self,
        agreement: Agreement,
        *,
        number: int,
        services: list[ServiceType],
        mask: int,
        hours: Decimal,
        rate: int,
        start_on: date,
        employment: str,
        proposed_on: date,
        holder_user: User | None,
        provider_user: User | None,
        proposed_by_side: str = "holder",
        accepted: bool = True,
        topup: int = 0,
        change_note: str = "",
    ) -> AgreementVersion:
        proposer = holder_user if proposed_by_side == "holder" else provider_user
        holder_accepts = accepted or proposed_by_side == "holder"
        provider_accepts = accepted or proposed_by_side == "provider"
        version = AgreementVersion.objects.create(
            agreement=agreement,
            number=number,
            availability_mask=mask,
            unit=AgreementVersion.Unit.HOUR,
            units_per_week=hours,
            rate_pence=rate,
            bank_holiday_rate_pence=rate + rate // 2,
            rate_includes="Travel within Wendleshire",
            topup_pence=topup,
            start_on=start_on,
            notice_weeks=4,
            cancellation_terms="Visits cancelled with less than 24 hours' notice are paid in full.",
            employment=employment,
            change_note=change_note,
            proposed_by=proposer,
            proposed_by_side=proposed_by_side,
            proposed_at=_at(proposed_on, 10),
            holder_accepted_at=_at(proposed_on + timedelta(days=1), 9) if holder_accepts else None,
            holder_accepted_by=holder_user if holder_accepts else None,
            provider_accepted_at=_at(proposed_on + timedelta(days=1), 15) if provider_accepts else None,
            provider_accepted_by=provider_user if provider_accepts else None,
        )
        version.services.set(services)
        return version

    def weeks(
        self,
        rng: random.Random,
        agreement: Agreement,
        versions: list[AgreementVersion],
        *,
        first_day: date,
        last_day: date,
        days: list[Day],
        hours_per_visit: Decimal,
        approver: User | None,
        provider_user: User | None,
        route: str,
        invoice_every_weeks: int = INVOICE_EVERY_WEEKS,
        keep_payable: int = 0,
    ) -> list[TimesheetEntry]:
        """Visits on `days` each week from `first_day` to `last_day`, recorded the day after each week ends.

        Entries whose decide-by day has passed are approved (a few automatically);
        approved ones are invoiced every `invoice_every_weeks` weeks, and invoices due
        before today are paid, except the newest `keep_payable`, left to pay whatever their due day.
        """
        rows: list[TimesheetEntry] = []
        week = _monday(first_day)
        while week <= last_day:
            recorded_on = week + timedelta(days=7)
            for day in days:
                worked_on = week + timedelta(days=int(day))
                if worked_on < first_day or worked_on > last_day or worked_on > self.today:
                    continue
                version = next(v for v in reversed(versions) if v.start_on <= worked_on and v.provider_accepted_at)
                is_holiday = bank_holiday_name(worked_on) is not None
                rate = (
                    version.bank_holiday_rate_pence
                    if is_holiday and version.bank_holiday_rate_pence
                    else version.rate_pence
                )
                recorded = min(recorded_on, self.today)
                amount = amount_in_pence(hours_per_visit, rate)
                decide_by = recorded + timedelta(days=DAYS_TO_APPROVE)
                entry = TimesheetEntry(
                    agreement=agreement,
                    version=version,
                    worked_on=worked_on,
                    quantity=hours_per_visit,
                    is_bank_holiday=is_holiday,
                    rate_pence=rate,
                    amount_pence=amount,
                    own_money_pence=min(amount_in_pence(hours_per_visit, version.topup_pence), amount),
                    submitted_by=provider_user,
                    submitted_at=_at(recorded, 18),
                    decide_by=decide_by,
                )
                if decide_by < self.today - timedelta(days=3) or recorded < self.today - timedelta(days=6):
                    automatic = rng.random() < 0.1
                    entry.status = TimesheetEntry.Status.APPROVED
                    entry.approved_automatically = automatic
                    entry.decided_by = None if automatic else approver
                    entry.decided_at = (
                        _at(decide_by + timedelta(days=1), 6)
                        if automatic
                        else _at(recorded + timedelta(days=rng.randint(0, 3)), 20)
                    )
                rows.append(entry)
            week += timedelta(days=7)
        TimesheetEntry.objects.bulk_create(rows)
        self.entries += len(rows)
        has_ended = last_day < self.today - timedelta(days=14)
        self._invoice(
            agreement,
            rows,
            provider_user=provider_user,
            approver=approver,
            route=route,
            rng=rng,
            has_ended=has_ended,
            every_weeks=invoice_every_weeks,
            keep_payable=keep_payable,
        )
        return rows

    def _invoice(
        self,
        agreement: Agreement,
        rows: list[TimesheetEntry],
        *,
        provider_user: User | None,
        approver: User | None,
        route: str,
        rng: random.Random,
        has_ended: bool,
        every_weeks: int,
        keep_payable: int,
    ) -> None:
        approved = [row for row in rows if row.status == TimesheetEntry.Status.APPROVED]
        batches: list[tuple[list[TimesheetEntry], date]] = []
        batch: list[TimesheetEntry] = []
        for row in approved:
            batch.append(row)
            weeks_covered = (row.worked_on - batch[0].worked_on).days // 7 + 1
            is_last = row is approved[-1]
            if weeks_covered < every_weeks and not is_last:
                continue
            issued_on = _monday(row.worked_on) + timedelta(days=9)
            if is_last and weeks_covered < every_weeks and not has_ended:
                break  # the latest weeks wait for the next invoice
            if issued_on > self.today:
                break
            batches.append((batch, issued_on))
            batch = []
        for index, (batch, issued_on) in enumerate(batches):
            self._issue(
                agreement,
                batch,
                issued_on=issued_on,
                provider_user=provider_user,
                approver=approver,
                route=route,
                rng=rng,
                leave_payable=index >= len(batches) - keep_payable,
            )

    def _issue(
        self,
        agreement: Agreement,
        batch: list[TimesheetEntry],
        *,
        issued_on: date,
        provider_user: User | None,
        approver: User | None,
        route: str,
        rng: random.Random,
        leave_payable: bool = False,
    ) -> None:
        number = self.sequence.get(agreement.provider_id, 0) + 1
        self.sequence[agreement.provider_id] = number
        total = sum(row.amount_pence for row in batch)
        own = sum(row.own_money_pence for row in batch)
        invoice = Invoice.objects.create(
            number=f"INV-{agreement.provider_id}-{number:04d}",
            agreement=agreement,
            holder_id=agreement.holder_id,
            provider_id=agreement.provider_id,
            total_pence=total,
            council_pence=total - own,
            own_money_pence=own,
            period_start=batch[0].worked_on,
            period_end=batch[-1].worked_on,
            issued_at=_at(issued_on, 12),
            issued_by=provider_user,
            due_on=issued_on + timedelta(days=INVOICE_DUE_DAYS),
        )
        TimesheetEntry.objects.filter(pk__in=[row.pk for row in batch]).update(invoice=invoice)
        self.invoices += 1
        paid_on = issued_on + timedelta(days=rng.randint(2, 10))
        if invoice.due_on < self.today and not leave_payable:  # paid a few days after issue; the newest are to pay
            mark_invoice_paid(
                invoice=invoice,
                by=approver,
                route=route,
                reference=f"{'CARD' if route == Invoice.Route.PREPAID_CARD else 'BACS'}-{invoice.number}",
                paid_on=paid_on,
                now=_at(paid_on, 19),
            )
            self.paid += 1


def agreements_demo_clear() -> None:
    """Remove every agreement and what hangs on it (they PROTECT holders and providers), for --force."""
    TimesheetEntry.objects.all().delete()
    Invoice.objects.all().delete()
    Agreement.objects.update(in_force=None)
    Agreement.objects.all().delete()


def _slots(days: list[Day], part: PartOfDay) -> int:
    return WeeklyAvailability.from_slots((day, part) for day in days).mask


@transaction.atomic
def build_agreements_demo(*, seed: int, today: date, now: datetime) -> AgreementsDemoResult:
    """Write the demo agreements, timesheets and invoices; returns counts."""
    rng = random.Random(f"agreements-{seed}")
    writer = _Writer(today=today, now=now)
    services = {service.slug: service for service in ServiceType.objects.all()}
    personal_care = services.get("personal-care") or next(iter(services.values()), None)
    if personal_care is None:
        return AgreementsDemoResult(0, 0, 0, 0)
    count = _demo_holder_agreements(rng, writer, services=services, personal_care=personal_care)
    count += _other_agreements(rng, writer, personal_care=personal_care, services=services)
    # Last, so the other agreements are drawn from the random sequence as before.
    count += _demo_holder_day_centre(rng, writer, services=services, personal_care=personal_care)
    return AgreementsDemoResult(count, writer.entries, writer.invoices, writer.paid)


def _demo_holder_agreements(
    rng: random.Random, writer: _Writer, *, services: dict[str, ServiceType], personal_care: ServiceType
) -> int:
    today = writer.today
    holder = DirectPaymentHolder.objects.filter(user__email="dp-holder@demo.example").select_related("user").first()
    family = User.objects.filter(email="family@demo.example").first()
    pa = ProviderMembership.objects.filter(user__email="pa@demo.example").select_related("provider", "user").first()
    organisation = (
        ProviderMembership.objects.filter(user__email="provider@demo.example")
        .select_related("provider", "user")
        .first()
    )
    if holder is None or family is None or pa is None:
        return 0
    made = 0
    # The PA Margaret employs: from her enquiry, a pay rise four months ago, a change waiting now.
    start = _monday(today - timedelta(weeks=47))
    enquiry = Enquiry.objects.filter(holder=holder, provider=pa.provider).first()
    agreement = writer.agreement(
        holder=holder,
        provider=pa.provider,
        created_by=holder.user,
        created_on=start - timedelta(days=10),
        enquiry=enquiry,
    )
    days = [Day.TUESDAY, Day.THURSDAY]
    mask = _slots(days, PartOfDay.MORNING)
    first = writer.version(
        agreement,
        number=1,
        services=[personal_care],
        mask=mask,
        hours=Decimal("6"),
        rate=1450,
        start_on=start,
        employment=Agreement.Employment.EMPLOYED,
        proposed_on=start - timedelta(days=10),
        holder_user=family,
        provider_user=pa.user,
    )
    rise_on = _monday(today - timedelta(weeks=17))
    second = writer.version(
        agreement,
        number=2,
        services=[personal_care],
        mask=mask,
        hours=Decimal("6"),
        rate=1525,
        start_on=rise_on,
        employment=Agreement.Employment.EMPLOYED,
        proposed_on=rise_on - timedelta(days=14),
        holder_user=family,
        provider_user=pa.user,
        proposed_by_side="provider",
        change_note="Pay rise in line with the National Living Wage",
    )
    extra = [personal_care] + ([services["domestic-help"]] if "domestic-help" in services else [])
    writer.version(
        agreement,
        number=3,
        services=extra,
        mask=_slots([*days, Day.FRIDAY], PartOfDay.MORNING),
        hours=Decimal("9"),
        rate=1525,
        start_on=_monday(today) + timedelta(weeks=2),
        employment=Agreement.Employment.EMPLOYED,
        proposed_on=today - timedelta(days=3),
        holder_user=family,
        provider_user=pa.user,
        proposed_by_side="provider",
        accepted=False,
        change_note="Add Friday mornings for shopping and cleaning (three more hours a week)",
    )
    agreement.in_force = second
    agreement.save(update_fields=["in_force"])
    rows = writer.weeks(
        rng,
        agreement,
        [first, second],
        first_day=start,
        last_day=today,
        days=days,
        hours_per_visit=Decimal("3"),
        approver=family,
        provider_user=pa.user,
        route=Invoice.Route.PREPAID_CARD,
    )
    queried = next((row for row in reversed(rows) if row.status == TimesheetEntry.Status.SUBMITTED), None)
    if queried is not None:
        TimesheetEntry.objects.filter(pk=queried.pk).update(status=TimesheetEntry.Status.QUERIED)
        TimesheetMessage.objects.create(
            entry=queried,
            side="holder",
            sent_by=family,
            on_behalf_of=holder,
            body="Mum says you left at half past eleven that day. Could you check the hours?",
            sent_at=writer.now - timedelta(hours=5),
        )
    made += 1
    # The micro-provider Margaret used before: ended three months ago by David with full notice.
    if organisation is not None:
        start = _monday(today - timedelta(weeks=44))
        ended_on = today - timedelta(weeks=13)
        agreement = writer.agreement(
            holder=holder, provider=organisation.provider, created_by=family, created_on=start - timedelta(days=7)
        )
        version = writer.version(
            agreement,
            number=1,
            services=[services.get("social-and-leisure", personal_care)],
            mask=_slots([Day.WEDNESDAY], PartOfDay.AFTERNOON),
            hours=Decimal("4"),
            rate=1900,
            start_on=start,
            employment=Agreement.Employment.ORGANISATION,
            proposed_on=start - timedelta(days=7),
            holder_user=family,
            provider_user=organisation.user,
        )
        agreement.in_force = version
        agreement.status = Agreement.Status.ENDED
        agreement.ended_on = ended_on
        agreement.ended_at = _at(ended_on - timedelta(weeks=4), 16)
        agreement.ended_by = family
        agreement.ended_by_side = "holder"
        agreement.end_reason = "Mum now goes to the day centre on Wednesdays with her friend instead."
        agreement.save()
        writer.weeks(
            rng,
            agreement,
            [version],
            first_day=start,
            last_day=ended_on,
            days=[Day.WEDNESDAY],
            hours_per_visit=Decimal("4"),
            approver=family,
            provider_user=organisation.user,
            route=Invoice.Route.BANK_TRANSFER,
        )
        made += 1
    return made


def demo_day_centre() -> Provider | None:
    """The day service Margaret goes to: the first published one without a demo login.

    The same one `payments_demo_accounts` connects to the fake Stripe, so her
    day centre's invoices can be paid online once `make run` has started.
    """
    return (
        Provider.objects.published()
        .filter(kind=Provider.Kind.DAY_SERVICE)
        .exclude(memberships__user__email__endswith="@demo.example")
        .order_by("pk")
        .first()
    )


def _demo_holder_day_centre(
    rng: random.Random, writer: _Writer, *, services: dict[str, ServiceType], personal_care: ServiceType
) -> int:
    """Wednesdays at the day centre since the micro-provider's agreement ended; the newest two invoices to pay."""
    today = writer.today
    holder = DirectPaymentHolder.objects.filter(user__email="dp-holder@demo.example").select_related("user").first()
    family = User.objects.filter(email="family@demo.example").first()
    day_centre = demo_day_centre()
    if holder is None or family is None or day_centre is None:
        return 0
    staff = ProviderMembership.objects.filter(provider=day_centre).select_related("user").first()
    provider_user = staff.user if staff is not None else None
    start = _monday(today - timedelta(weeks=12))
    agreement = writer.agreement(
        holder=holder, provider=day_centre, created_by=family, created_on=start - timedelta(days=10)
    )
    version = writer.version(
        agreement,
        number=1,
        services=[services.get("social-and-leisure", personal_care)],
        mask=_slots([Day.WEDNESDAY], PartOfDay.MORNING) | _slots([Day.WEDNESDAY], PartOfDay.AFTERNOON),
        hours=Decimal("5"),
        rate=1150,
        start_on=start,
        employment=Agreement.Employment.ORGANISATION,
        proposed_on=start - timedelta(days=10),
        holder_user=family,
        provider_user=provider_user,
    )
    agreement.in_force = version
    agreement.save(update_fields=["in_force"])
    writer.weeks(
        rng,
        agreement,
        [version],
        first_day=start,
        last_day=today,
        days=[Day.WEDNESDAY],
        hours_per_visit=Decimal("5"),
        approver=family,
        provider_user=provider_user,
        route=Invoice.Route.BANK_TRANSFER,
        invoice_every_weeks=1,
        keep_payable=2,
    )
    return 1


def _other_agreements(
    rng: random.Random, writer: _Writer, *, personal_care: ServiceType, services: dict[str, ServiceType]
) -> int:
    today = writer.today
    holders = list(
        DirectPaymentHolder.objects.exclude(user__email__endswith="@demo.example")
        .filter(user__isnull=False)
        .select_related("user")
        .order_by("pk")[: OTHER_AGREEMENTS * 3]
    )
    # Most demo listings have no sign-in of their own: their entries and invoices have no recorder named.
    providers = list(
        Provider.objects.filter(status=Provider.Status.PUBLISHED)
        .exclude(memberships__user__email__endswith="@demo.example")
        .order_by("pk")[:200]
    )
    if not holders or not providers:
        return 0
    members = {
        membership.provider_id: membership.user
        for membership in ProviderMembership.objects.filter(provider__in=providers).select_related("user")
    }
    rng.shuffle(holders)
    made = 0
    for holder in holders[:OTHER_AGREEMENTS]:
        provider = rng.choice(providers)
        if provider.kind == Provider.Kind.PERSONAL_ASSISTANT:
            employment = rng.choice([Agreement.Employment.EMPLOYED, Agreement.Employment.SELF_EMPLOYED])
        else:
            employment = Agreement.Employment.ORGANISATION
        weeks_ago = rng.randint(8, 50)
        start = _monday(today - timedelta(weeks=weeks_ago))
        days = sorted(rng.sample(list(Day)[:6], rng.randint(1, 3)))
        hours = Decimal(rng.choice(["2", "3", "4"]))
        rate = rng.choice([1350, 1450, 1500, 1650, 1800, 2150])
        agreement = writer.agreement(
            holder=holder, provider=provider, created_by=holder.user, created_on=start - timedelta(days=9)
        )
        version = writer.version(
            agreement,
            number=1,
            services=[rng.choice(list(services.values())) if rng.random() < 0.4 else personal_care],
            mask=_slots(days, rng.choice([PartOfDay.MORNING, PartOfDay.AFTERNOON])),
            hours=hours * len(days),
            rate=rate,
            start_on=start,
            employment=employment,
            proposed_on=start - timedelta(days=9),
            holder_user=holder.user,
            provider_user=members.get(provider.pk),
            topup=rng.choice([0, 0, 0, 150, 250]),
        )
        agreement.in_force = version
        agreement.save(update_fields=["in_force"])
        writer.weeks(
            rng,
            agreement,
            [version],
            first_day=start,
            last_day=today,
            days=days,
            hours_per_visit=hours,
            approver=holder.user,
            provider_user=members.get(provider.pk),
            route=rng.choice([Invoice.Route.PREPAID_CARD, Invoice.Route.BANK_TRANSFER]),
        )
        made += 1
    return made
