"""Reads for agreements, timesheets and invoices: each a fixed number of queries whatever the number of rows."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from wagtail.models import Site

from marketplace.accounts.models import ActingFor, DirectPaymentHolder, User

from .models import (
    Agreement,
    AgreementSettings,
    AgreementVersion,
    Invoice,
    PoolMember,
    TimesheetEntry,
    TimesheetMessage,
)


def agreement_settings(*, site: Site | None = None) -> AgreementSettings:
    """Days to approve an entry and days until an invoice is due, for a site or the default one."""
    site = site or Site.objects.filter(is_default_site=True).first()
    if site is None:
        return AgreementSettings()
    return AgreementSettings.for_site(site)


def _with_counts(agreements: QuerySet[Agreement]) -> QuerySet[Agreement]:
    return agreements.select_related("provider", "holder", "in_force").annotate(
        waiting_count=Count(
            "timesheet_entries", filter=Q(timesheet_entries__status=TimesheetEntry.Status.SUBMITTED), distinct=True
        ),
        queried_count=Count(
            "timesheet_entries", filter=Q(timesheet_entries__status=TimesheetEntry.Status.QUERIED), distinct=True
        ),
        to_invoice_count=Count(
            "timesheet_entries",
            filter=Q(
                timesheet_entries__status=TimesheetEntry.Status.APPROVED,
                timesheet_entries__invoice__isnull=True,
                timesheet_entries__share_invoices__isnull=True,
            ),
            distinct=True,
        ),
        pending_count=Count(
            "versions",
            filter=Q(versions__withdrawn_at__isnull=True)
            & (Q(versions__holder_accepted_at__isnull=True) | Q(versions__provider_accepted_at__isnull=True)),
            distinct=True,
        ),
    )


def holder_agreements(holder: DirectPaymentHolder) -> list[Agreement]:
    """The holder's agreements (shared ones they were invited to included), newest first, with counts of
    entries waiting, queried and changes waiting."""
    shared = PoolMember.objects.filter(holder=holder).exclude(status=PoolMember.Status.DECLINED).values("agreement")
    return list(_with_counts(Agreement.objects.filter(Q(holder=holder) | Q(pk__in=shared))))


def provider_agreements(provider_ids: list[int]) -> list[Agreement]:
    return list(_with_counts(Agreement.objects.filter(provider_id__in=provider_ids)).order_by("status", "-created_at"))


def holder_invoices(holder: DirectPaymentHolder) -> list[Invoice]:
    return list(Invoice.objects.filter(holder=holder).select_related("provider").order_by("-issued_at", "-pk"))


def provider_invoices(provider_ids: list[int]) -> list[Invoice]:
    return list(
        Invoice.objects.filter(provider_id__in=provider_ids).select_related("holder").order_by("-issued_at", "-pk")
    )


def agreement_versions(agreement: Agreement) -> list[AgreementVersion]:
    """Every version, newest first, with its services and who proposed and accepted it."""
    return list(
        agreement.versions.select_related("proposed_by", "holder_accepted_by", "provider_accepted_by")
        .prefetch_related("services")
        .order_by("-number")
    )


def agreement_entries(agreement: Agreement, *, limit: int = 200) -> list[TimesheetEntry]:
    """The newest entries (withdrawn ones included, so a correction's history shows) with their threads."""
    return list(
        agreement.timesheet_entries.select_related("version", "invoice", "decided_by", "submitted_by")
        .prefetch_related(
            Prefetch("messages", queryset=TimesheetMessage.objects.select_related("sent_by", "on_behalf_of"))
        )
        .annotate(share_count=Count("share_invoices"))
        .order_by("-worked_on", "-pk")[:limit]
    )


def invoice_entries(invoice: Invoice) -> list[TimesheetEntry]:
    """The entries an invoice covers: its own, or for a pooled share the entries it shares with the others."""
    return list(
        TimesheetEntry.objects.filter(Q(invoice=invoice) | Q(share_invoices=invoice))
        .select_related("version")
        .distinct()
        .order_by("worked_on", "pk")
    )


def invoiceable_entries(agreement: Agreement, *, up_to: date | None = None) -> QuerySet[TimesheetEntry]:
    entries = agreement.timesheet_entries.filter(
        status=TimesheetEntry.Status.APPROVED, invoice__isnull=True, share_invoices__isnull=True
    )
    return entries.filter(worked_on__lte=up_to) if up_to else entries


@dataclass(frozen=True)
class ProviderAgreementCounts:
    live: int
    waiting_for_you: int
    entries_waiting: int
    entries_queried: int
    invoices_payable: int


def provider_counts(provider_ids: list[int]) -> ProviderAgreementCounts:
    """For the provider dashboard: two queries whatever the number of agreements."""
    agreements = Agreement.objects.filter(provider_id__in=provider_ids).aggregate(
        live=Count("pk", filter=Q(status=Agreement.Status.LIVE), distinct=True),
        waiting_for_you=Count(
            "versions",
            filter=Q(versions__withdrawn_at__isnull=True, versions__provider_accepted_at__isnull=True)
            & ~Q(status=Agreement.Status.ENDED),
            distinct=True,
        ),
        entries_waiting=Count(
            "timesheet_entries", filter=Q(timesheet_entries__status=TimesheetEntry.Status.SUBMITTED), distinct=True
        ),
        entries_queried=Count(
            "timesheet_entries", filter=Q(timesheet_entries__status=TimesheetEntry.Status.QUERIED), distinct=True
        ),
    )
    payable = Invoice.objects.filter(provider_id__in=provider_ids, status=Invoice.Status.PAYABLE).count()
    return ProviderAgreementCounts(invoices_payable=payable, **{key: value or 0 for key, value in agreements.items()})


def entry_totals(entries: list[TimesheetEntry]) -> dict[str, int]:
    return {
        "amount": sum(entry.amount_pence for entry in entries),
        "own_money": sum(entry.own_money_pence for entry in entries),
    }


def invoice_sum(invoices: QuerySet[Invoice]) -> int:
    return int(invoices.aggregate(total=Sum("total_pence"))["total"] or 0)


def pool_members(agreement: Agreement) -> list[PoolMember]:
    """Everyone invited to share the agreement, in the order they were invited, with their holder (one query)."""
    return list(agreement.pool_members.select_related("holder").order_by("invited_at", "pk"))


def holder_ids_acted_for(user: User, *, right_field: str | None = None) -> set[int]:
    """The holders this person is, or has a live link to (with `right_field` when given): one query."""
    if not user.is_authenticated:
        return set()
    links = ActingFor.objects.filter(agent=user, ended_on__isnull=True)
    if right_field is not None:
        links = links.filter(**{right_field: True})
    return set(
        DirectPaymentHolder.objects.filter(Q(user=user) | Q(pk__in=links.values("holder"))).values_list(
            "pk", flat=True
        )
    )
