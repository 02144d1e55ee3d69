"""The signed-in person's saved searches as a section of "Your support" (registered in AlertsConfig.ready)."""

from typing import Any

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.engagement.sections import SectionContent, SectionSummary, SupportSection, register

from .selectors import saved_search_summary, saved_searches_for_user


def saved_searches_section(holder: DirectPaymentHolder, user: Any) -> SectionContent:
    saved_searches = list(saved_searches_for_user(user))
    counts = saved_search_summary(saved_searches)
    if not saved_searches:
        summary = SectionSummary(
            count=0,
            status="None saved",
            next_step='Search the directory and choose "Save this search"',
            href="#saved-searches",
        )
    else:
        summary = SectionSummary(
            count=counts["count"],
            status=f"{counts['active_count']} with alerts on",
            status_colour="green" if counts["active_count"] else "grey",
            next_step="We email you when a provider newly matches",
            href="#saved-searches",
        )
    return SectionContent(summary=summary, context={"saved_searches": saved_searches, "counts": counts})


def register_section() -> None:
    register(
        SupportSection(
            key="saved-searches",
            title="Saved searches",
            template="alerts/includes/support_section.html",
            load=saved_searches_section,
            order=40,
        )
    )
