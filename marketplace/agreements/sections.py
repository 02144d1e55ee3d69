"""The holder's agreements as a section of "Your support" (registered in AgreementsConfig.ready)."""

from typing import Any

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.engagement.sections import SectionContent, SectionSummary, SupportSection, register

from .models import Agreement, Invoice
from .selectors import holder_agreements, holder_invoices


def agreements_section(holder: DirectPaymentHolder, user: Any) -> SectionContent:
    """Counts from the rows: changes waiting for the holder's side, entries to approve, invoices to pay."""
    agreements = holder_agreements(holder)
    sees_money = bool(user.has_perm("accounts.view_holder_money", holder))
    invoices = holder_invoices(holder) if sees_money else []
    to_accept = sum(1 for agreement in agreements if getattr(agreement, "pending_count", 0))
    to_approve = sum(int(getattr(agreement, "waiting_count", 0)) for agreement in agreements) if sees_money else 0
    payable = [invoice for invoice in invoices if invoice.status == Invoice.Status.PAYABLE]
    live = sum(1 for agreement in agreements if agreement.status == Agreement.Status.LIVE)
    if not agreements:
        summary = SectionSummary(
            count=0, status="None yet", next_step="Agree support with a provider from an enquiry", href="#agreements"
        )
    elif to_accept:
        summary = SectionSummary(
            count=len(agreements),
            status=f"{to_accept} waiting to be agreed",
            status_colour="blue",
            next_step="Read the agreement and accept it if it is right",
            href="#agreements",
        )
    elif to_approve:
        summary = SectionSummary(
            count=len(agreements),
            status=f"{to_approve} timesheet entr{'y' if to_approve == 1 else 'ies'} to approve",
            status_colour="blue",
            next_step="Approve or query the hours recorded",
            href="#agreements",
        )
    elif payable:
        summary = SectionSummary(
            count=len(agreements),
            status=f"{len(payable)} invoice{'s' if len(payable) != 1 else ''} to pay",
            status_colour="yellow",
            next_step="Pay the invoices",
            href="#agreements",
        )
    else:
        summary = SectionSummary(
            count=len(agreements),
            status=f"{live} in force" if live else "Up to date",
            status_colour="green",
            next_step="Nothing to do now",
            href="#agreements",
        )
    return SectionContent(
        summary=summary,
        context={"agreements": agreements, "invoices": invoices[:10], "sees_money": sees_money, "payable": payable},
    )


def register_section() -> None:
    register(
        SupportSection(
            key="agreements",
            title="Agreements, timesheets and invoices",
            template="agreements/includes/support_section.html",
            load=agreements_section,
            order=40,
        )
    )
