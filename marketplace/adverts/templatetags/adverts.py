"""Template helpers for adverts: money in pence, the weekly grid in words, and the PA dashboard section."""

from typing import Any

from django import template

from marketplace.providers.availability import WeeklyAvailability
from marketplace.providers.selectors import availability_by_day

from ..selectors import DashboardAdverts, dashboard_adverts, pounds

register = template.Library()


@register.filter
def pence_as_pounds(pence: int | None) -> str:
    return "" if pence is None else pounds(int(pence))


@register.filter
def availability_lines(mask: int) -> list[str]:
    """['Monday: morning, afternoon', ...] for the days with any slot."""
    return [
        f"{day}: {', '.join(part.lower() for part in parts)}"
        for day, parts in availability_by_day(WeeklyAvailability(int(mask)))
        if parts
    ]


@register.simple_tag(takes_context=True)
def personal_assistant_adverts(context: template.Context) -> DashboardAdverts | None:
    """For the provider dashboard: adverts fitting the person's published PA listings (None if they have none)."""
    request: Any = context.get("request")
    return dashboard_adverts(user=request.user) if request is not None else None
