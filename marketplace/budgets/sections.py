"""The holder's money as a section of "Your support" (registered in BudgetsConfig.ready).

Shown only to those with the money right (`accounts.view_holder_money`);
anyone else acting for the holder sees that the money is not shared with them.
"""

from typing import Any

from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.engagement.sections import SectionContent, SectionSummary, SupportSection, register

from .selectors import holder_forecast


def money_section(holder: DirectPaymentHolder, user: Any) -> SectionContent:
    if not user.has_perm("accounts.view_holder_money", holder):
        return SectionContent(
            summary=SectionSummary(
                count=0,
                status="Not shared with you",
                next_step="Ask the person to give you the money right if you help with their budget",
                href="#money",
            ),
            context={"may_see": False},
        )
    forecast = holder_forecast(holder, today=timezone.localdate(), weeks=12)
    href = reverse("budgets:money", kwargs={"holder_uuid": holder.uuid})
    if forecast.budget is None and not forecast.balances.total:
        summary = SectionSummary(count=0, status="No budget recorded", next_step="Nothing to do now", href="#money")
    elif forecast.surplus_warning:
        summary = SectionSummary(
            count=1,
            status="Surplus warning",
            status_colour="orange",
            next_step="Read what the surplus warning means and what to do",
            href=href,
        )
    elif forecast.first_week_short:
        summary = SectionSummary(
            count=1,
            status="Money running short",
            status_colour="red",
            next_step="Check your money: the forecast goes below nothing",
            href=href,
        )
    else:
        summary = SectionSummary(
            count=1, status="On track", status_colour="green", next_step="Check your money and statements", href=href
        )
    return SectionContent(summary=summary, context={"may_see": True, "forecast": forecast, "money_url": href})


def register_section() -> None:
    register(
        SupportSection(
            key="money",
            title="Your direct payment money",
            template="budgets/includes/support_section.html",
            load=money_section,
            order=40,
        )
    )
