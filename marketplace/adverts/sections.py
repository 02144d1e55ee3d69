"""The holder's adverts as a section of "Your support" (registered in AdvertsConfig.ready)."""

from typing import Any

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.engagement.sections import SectionContent, SectionSummary, SupportSection, register

from .selectors import advert_summary, adverts_for_holder


def adverts_section(holder: DirectPaymentHolder, user: Any) -> SectionContent:
    adverts = list(adverts_for_holder(holder))
    counts = advert_summary(adverts)
    may_post = bool(user.has_perm("accounts.post_adverts_for_holder", holder))
    if counts.new_application_count:
        new = counts.new_application_count
        summary = SectionSummary(
            count=len(adverts),
            status=f"{new} new application{'s' if new != 1 else ''}",
            status_colour="blue",
            next_step="Read the new applications",
            href="#adverts",
        )
    elif counts.draft_count:
        summary = SectionSummary(
            count=len(adverts),
            status="Not published",
            status_colour="yellow",
            next_step="Check and publish your draft advert",
            href="#adverts",
        )
    elif counts.open_count:
        summary = SectionSummary(
            count=len(adverts),
            status=f"{counts.open_count} open",
            status_colour="green",
            next_step="Wait for personal assistants to apply: we email you when someone does",
            href="#adverts",
        )
    else:
        summary = SectionSummary(
            count=len(adverts),
            status="None open",
            next_step="Post an advert for a personal assistant" if may_post else "Nothing to do now",
            href="#adverts",
        )
    return SectionContent(summary=summary, context={"adverts": adverts, "counts": counts, "may_post": may_post})


def register_section() -> None:
    register(
        SupportSection(
            key="adverts",
            title="Adverts for a personal assistant",
            template="adverts/includes/support_section.html",
            load=adverts_section,
            order=30,
        )
    )
