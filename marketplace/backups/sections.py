"""Sections of "Your support": providers who cannot come (first), and back-up plans for each live agreement."""

from typing import Any

from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.engagement.sections import SectionContent, SectionSummary, SupportSection, register

from .selectors import holder_current_alerts, holder_live_agreements_with_backups


def cannot_come_section(holder: DirectPaymentHolder, user: Any) -> SectionContent:
    """One query whatever the number of alerts."""
    alerts = holder_current_alerts(holder, today=timezone.localdate())
    if alerts:
        summary = SectionSummary(
            count=len(alerts),
            status=f"{len(alerts)} cannot come",
            status_colour="red",
            next_step="See your back-ups and other providers nearby",
            href="#cannot-come",
        )
    else:
        summary = SectionSummary(
            count=0, status="None", status_colour="green", next_step="Nothing to do now", href="#cannot-come"
        )
    return SectionContent(summary=summary, context={"alerts": alerts})


def backups_section(holder: DirectPaymentHolder, user: Any) -> SectionContent:
    """Two queries whatever the number of agreements or back-ups."""
    agreements = holder_live_agreements_with_backups(holder)
    without = [agreement for agreement in agreements if not agreement.backups]  # type: ignore[attr-defined]
    if not agreements:
        summary = SectionSummary(
            count=0,
            status="No agreed support",
            next_step="Once you agree support with a provider, name back-ups in case they cannot come",
            href="#backups",
        )
    elif without:
        summary = SectionSummary(
            count=len(agreements),
            status=f"{len(without)} without back-ups",
            status_colour="yellow",
            next_step="Choose back-ups from your shortlist",
            href="#backups",
        )
    else:
        summary = SectionSummary(
            count=len(agreements),
            status="Back-ups chosen",
            status_colour="green",
            next_step="Nothing to do now",
            href="#backups",
        )
    return SectionContent(summary=summary, context={"agreements": agreements})


def register_sections() -> None:
    register(
        SupportSection(
            key="cannot-come",
            title="Providers who cannot come",
            template="backups/includes/cannot_come_section.html",
            load=cannot_come_section,
            order=5,
        )
    )
    register(
        SupportSection(
            key="backups",
            title="Back-up plans",
            template="backups/includes/backups_section.html",
            load=backups_section,
            order=70,
        )
    )
