"""The words of an agreement's terms, shared by its page and its PDF, and the agreement and invoice PDFs."""

from collections.abc import Sequence

from django.utils import timezone

from marketplace.core.pdf import PdfDocument
from marketplace.providers.availability import Day, PartOfDay

from .models import Agreement, AgreementVersion, Invoice, TimesheetEntry
from .money import pounds


def describe_week(mask: int) -> str:
    """'Monday morning and afternoon; Thursday evening' from an availability mask."""
    from marketplace.providers.availability import WeeklyAvailability

    week = WeeklyAvailability(mask)
    days = []
    for day in Day:
        parts = [part.label.lower() for part in PartOfDay if week.is_available(day, part)]
        if parts:
            joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
            days.append(f"{day.label} {joined}")
    return "; ".join(days)


def version_rows(version: AgreementVersion) -> list[tuple[str, str]]:
    """The terms of a version as (label, value) rows, in the order people read them."""
    unit = version.get_unit_display()
    return [
        ("Support", ", ".join(service.name for service in version.services.all())),
        ("When", describe_week(version.availability_mask)),
        (f"{'Hours' if version.unit == 'hour' else 'Sessions'} a week", f"{version.units_per_week.normalize():f}"),
        ("Rate", f"{pounds(version.rate_pence)} {unit}"),
        (
            "Bank holiday rate",
            f"{pounds(version.bank_holiday_rate_pence)} {unit}"
            if version.bank_holiday_rate_pence
            else "The usual rate",
        ),
        ("The rate includes", version.rate_includes or "Nothing stated"),
        (
            "From the person's own money",
            f"{pounds(version.topup_pence)} {unit}, a top-up the direct payment does not pay"
            if version.topup_pence
            else "Nothing: the direct payment pays it all",
        ),
        ("Starts", f"{version.start_on:%-d %B %Y}"),
        ("Notice", f"{version.notice_weeks} week{'s' if version.notice_weeks != 1 else ''}"),
        ("If a visit is cancelled", version.cancellation_terms or "Nothing stated"),
        ("Employer", version.get_employment_display()),
    ]


def _when(moment: object) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y}" if moment else "not yet"  # type: ignore[arg-type]


def _both_accepted_at(version: AgreementVersion) -> object:
    """When the second side accepted, or None while one side has not."""
    if version.holder_accepted_at is None or version.provider_accepted_at is None:
        return None
    return max(version.holder_accepted_at, version.provider_accepted_at)


def agreement_pdf(agreement: Agreement, *, versions: Sequence[AgreementVersion]) -> PdfDocument:
    """The version in force (or the proposal), who accepted it and when, then the history of versions."""
    in_force = next((version for version in versions if version.pk == agreement.in_force_id), None)
    shown = in_force or (versions[0] if versions else None)
    subtitle = (
        f"Version {shown.number}, agreed by both sides"
        if in_force is not None and shown is in_force
        else "Proposed, not yet agreed by both sides"
    )
    document = PdfDocument(title="Support agreement", subtitle=subtitle, footer=f"Agreement {str(agreement.uuid)[:8]}")
    document.heading("Between")
    document.summary_list([("The person", agreement.holder.display_name), ("The provider", agreement.provider.name)])
    if agreement.status == Agreement.Status.ENDED and agreement.ended_on:
        document.paragraph(
            f"This agreement ends (or ended) on {agreement.ended_on:%-d %B %Y}, ended by "
            f"{agreement.get_ended_by_side_display().lower()}. Reason: {agreement.end_reason}"
        )
    if shown is not None:
        document.heading("The terms")
        document.summary_list(version_rows(shown))
        document.heading("Accepted")
        document.summary_list(
            [
                ("By the person", _when(shown.holder_accepted_at)),
                ("By the provider", _when(shown.provider_accepted_at)),
            ]
        )
    if len(versions) > 1:
        document.heading("History")
        document.table(
            ["Version", "Proposed", "Accepted by both", "What changed"],
            [
                [
                    version.number,
                    _when(version.proposed_at),
                    "withdrawn" if version.withdrawn_at else _when(_both_accepted_at(version)),
                    version.change_note or "First version",
                ]
                for version in versions
            ],
            widths=(15, 25, 25, 35),
        )
    return document


def invoice_pdf(invoice: Invoice, *, entries: Sequence[TimesheetEntry]) -> PdfDocument:
    document = PdfDocument(
        title=f"Invoice {invoice.number}",
        subtitle=f"Issued {_when(invoice.issued_at)}, due {invoice.due_on:%-d %B %Y}",
        footer=f"Invoice {invoice.number}",
    )
    document.summary_list(
        [
            ("From", invoice.provider.name),
            ("To", invoice.holder.display_name),
            ("Support given", f"{invoice.period_start:%-d %B %Y} to {invoice.period_end:%-d %B %Y}"),
            ("Status", invoice.get_status_display()),
        ]
    )
    document.table(
        ["Date", "Hours or sessions", "Rate", "Amount"],
        [
            [
                f"{entry.worked_on:%a %-d %b %Y}" + (" (bank holiday)" if entry.is_bank_holiday else ""),
                f"{entry.quantity}",
                pounds(entry.rate_pence),
                pounds(entry.amount_pence),
            ]
            for entry in entries
        ],
        align=["L", "R", "R", "R"],
    )
    shared = [entry for entry in entries if entry.invoice_id != invoice.pk]
    if shared:
        whole = pounds(sum(entry.amount_pence for entry in entries))
        document.paragraph(f"This invoice is one share of {whole} of support shared with other people.")
    document.summary_list(
        [
            ("Total", pounds(invoice.total_pence)),
            ("Paid by the direct payment", pounds(invoice.council_pence)),
            ("Paid from the person's own money", pounds(invoice.own_money_pence)),
        ]
    )
    if invoice.status == Invoice.Status.PAID and invoice.paid_on:
        document.paragraph(
            f"Paid on {invoice.paid_on:%-d %B %Y} by {invoice.get_paid_route_display().lower()}"
            + (f", reference {invoice.paid_reference}" if invoice.paid_reference else "")
            + "."
        )
    return document
