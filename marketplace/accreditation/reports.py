"""Commissioners' reports on vetting, with CSV and Excel downloads (Wagtail's ReportView).

- Checks expiring in the next 30 days: whom to chase before a badge lapses.
- The accredited supplier list: who is on it, since when, and until when each
  verified check holds.

Neither ever shows a DBS certificate number: the querysets do not even load it.
"""

from collections import OrderedDict
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.reports import ReportView

from marketplace.core.commissioner_admin import CommissionersOnlyMixin
from marketplace.providers.models import Provider

from .admin_views import DECIDE
from .filters import AccreditedSupplierFilterSet, ExpiringChecksFilterSet
from .models import ProviderCheck
from .selectors import check_label, checks_expiring_within

EXPIRY_REPORT_DAYS = 30
# A spreadsheet program runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def review_url(provider_id: int) -> str:
    return reverse("accreditation_review:review", args=[provider_id])


class CommissionerReportView(CommissionersOnlyMixin, ReportView):
    """A report only commissioners reach, whose CSV cannot smuggle formulas into a spreadsheet."""

    commissioner_permission = DECIDE
    results_template_name = "accreditation/admin/report_results.html"
    export_columns: list[tuple[str, str]] = []

    @property
    def list_export(self) -> list[str]:
        return [name for name, _ in self.export_columns]

    @property
    def export_headings(self) -> dict[str, str]:
        return dict(self.export_columns)

    def export_row(self, item: Any) -> dict[str, Any]:
        raise NotImplementedError

    def to_row_dict(self, item: Any) -> OrderedDict[str, Any]:
        row = self.export_row(item)
        return OrderedDict((name, row[name]) for name in self.list_export)

    def preprocess_field_value(self, field: str, value: Any, export_format: str) -> Any:
        value = super().preprocess_field_value(field, value, export_format)
        if export_format == self.FORMAT_CSV and isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            return "'" + value
        return value


def days_until(day: date | None, today: date | None = None) -> int | None:
    if day is None:
        return None
    return (day - (today or timezone.localdate())).days


class ExpiringChecksReportView(CommissionerReportView):
    page_title = f"Checks expiring in the next {EXPIRY_REPORT_DAYS} days"
    header_icon = "time"
    index_url_name = "accreditation_expiring_report:index"
    index_results_url_name = "accreditation_expiring_report:results"
    filterset_class = ExpiringChecksFilterSet
    verbose_name = "check"
    verbose_name_plural = "checks"
    export_filename = "checks-expiring"
    columns = [
        TitleColumn(
            "provider", label="Provider", accessor="provider.name", get_url=lambda c: review_url(c.provider_id)
        ),
        Column("kind", label="Kind", accessor="provider.get_kind_display"),
        Column("locality", label="Locality", accessor="provider.locality"),
        Column("check", label="Check", accessor=check_label),
        Column("status", label="Status", accessor="get_status_display"),
        DateColumn("expires_on", label="Expires"),
        Column("days_left", label="Days left", accessor=lambda check: days_until(check.expires_on)),
    ]
    export_columns = [
        ("provider", "Provider"),
        ("kind", "Kind"),
        ("locality", "Locality"),
        ("check", "Check"),
        ("status", "Status"),
        ("expires_on", "Expires"),
        ("days_left", "Days left"),
        ("contact_email", "Provider's email"),
    ]

    def get_base_queryset(self) -> QuerySet[ProviderCheck]:
        return (
            checks_expiring_within(days=EXPIRY_REPORT_DAYS)
            .select_related("provider__locality")
            .defer("certificate_number", "holder_date_of_birth")
        )

    def export_row(self, check: ProviderCheck) -> dict[str, Any]:
        provider = check.provider
        return {
            "provider": provider.name,
            "kind": provider.get_kind_display(),
            "locality": provider.locality.name if provider.locality else "",
            "check": check_label(check),
            "status": check.get_status_display(),
            "expires_on": check.expires_on,
            "days_left": days_until(check.expires_on),
            "contact_email": provider.contact_email,
        }


def verified_checks_text(provider: Provider) -> str:
    """'Enhanced DBS check (Sam Patel) until 3 March 2026; Public liability insurance until ...'."""
    parts = []
    for check in provider.verified_checks:
        expires_on = check.expires_on
        until = f" until {expires_on.day} {expires_on:%B %Y}" if expires_on else " (does not expire)"
        parts.append(f"{check_label(check)}{until}")
    return "; ".join(parts)


def earliest_expiry(provider: Provider) -> date | None:
    expiries = [check.expires_on for check in provider.verified_checks if check.expires_on]
    return min(expiries) if expiries else None


class AccreditedSupplierReportView(CommissionerReportView):
    page_title = "Accredited supplier list"
    header_icon = "success"
    index_url_name = "accreditation_accredited_report:index"
    index_results_url_name = "accreditation_accredited_report:results"
    filterset_class = AccreditedSupplierFilterSet
    verbose_name = "accredited provider"
    verbose_name_plural = "accredited providers"
    export_filename = "accredited-suppliers"
    columns = [
        TitleColumn("name", label="Provider", get_url=lambda provider: review_url(provider.pk)),
        Column("kind", label="Kind", accessor="get_kind_display"),
        Column("locality", label="Locality", accessor="locality"),
        DateColumn("accredited_since", label="Accredited since"),
        Column("checks", label="Verified checks and expiry", accessor=verified_checks_text),
        DateColumn("earliest_expiry", label="First expiry", accessor=earliest_expiry),
    ]
    export_columns = [
        ("name", "Provider"),
        ("kind", "Kind"),
        ("locality", "Locality"),
        ("listing_status", "Listing"),
        ("accredited_since", "Accredited since"),
        ("checks", "Verified checks and expiry"),
        ("earliest_expiry", "First expiry"),
        ("contact_email", "Email"),
    ]

    def get_base_queryset(self) -> QuerySet[Provider]:
        return (
            Provider.objects.filter(is_accredited=True)
            .select_related("locality")
            .defer("description", "search_text")
            .prefetch_related(
                Prefetch(
                    "checks",
                    queryset=ProviderCheck.objects.filter(status=ProviderCheck.Status.VERIFIED)
                    .select_related("check_type", "worker")
                    .only(
                        "provider_id",
                        "status",
                        "expires_on",
                        "worker_id",
                        "check_type__name",
                        "check_type__sort_order",
                        "worker__full_name",
                    ),
                    to_attr="verified_checks",
                )
            )
            .order_by("kind", "locality__name", "name")
        )

    def export_row(self, provider: Provider) -> dict[str, Any]:
        return {
            "name": provider.name,
            "kind": provider.get_kind_display(),
            "locality": provider.locality.name if provider.locality else "",
            "listing_status": provider.get_status_display(),
            "accredited_since": provider.accredited_since,
            "checks": verified_checks_text(provider),
            "earliest_expiry": earliest_expiry(provider),
            "contact_email": provider.contact_email,
        }
