"""The morning dashboard and its reports in the Wagtail admin. Thin: selectors do the work.

Only commissioners may see them (`insights.view_dashboard` in
marketplace/accounts/rules.py). Each report is a Wagtail ReportView, so it
exports to CSV and XLSX with `?export=csv` or `?export=xlsx` and the same
filters as the page.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView

from marketplace.budgets import selectors as budget_selectors
from marketplace.budgets.templatetags.budgets_tags import format_pence
from marketplace.core.commissioner_admin import CommissionersOnlyMixin
from marketplace.places.models import Locality

from . import forms, market, selectors
from .charts import Bar, BarChart, chart_from_tally

PERMISSION = "insights.view_dashboard"
DASHBOARD_TITLE = "Morning dashboard"
DASHBOARD_BREADCRUMBS = [
    {"url": reverse_lazy("wagtailadmin_home"), "label": "Home"},
    {"url": reverse_lazy("insights:dashboard"), "label": DASHBOARD_TITLE},
]


def expiring_checks_report_url() -> str:
    """The accreditation app's report of checks expiring soon (the dashboard links to it, not a copy)."""
    return reverse("accreditation_expiring_report:index")


def monitoring_due_report_url() -> str:
    """The monitoring app's due-and-overdue report (the dashboard links to it, not a copy)."""
    return reverse("monitoring_schedule:index")


def provider_admin_url(provider_id: int) -> str:
    return reverse("wagtailsnippets_providers_provider:edit", args=[provider_id])


# --- The dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """One count at the top of the dashboard, linking to the report behind it."""

    count: int
    label: str
    url: str
    detail: str = ""
    is_urgent: bool = False


def plural(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural


def dashboard_headlines(figures: selectors.MorningFigures) -> list[Headline]:
    """The counts a commissioner needs first thing: shared by the dashboard and the Wagtail home panel."""
    checks, monitoring, flags, gaps = figures.checks, figures.monitoring, figures.flags, figures.gaps
    queue = figures.queue
    oldest = queue.oldest_days
    headlines = [
        # The same selector as the vetting review queue it links to: applications and checks waiting.
        Headline(
            count=queue.count,
            label=plural(queue.count, "provider waiting for vetting review", "providers waiting for vetting review"),
            detail=f"Oldest waiting {oldest} day{'s' if oldest != 1 else ''}" if oldest is not None else "",
            url=reverse("accreditation_review:queue"),
            is_urgent=bool(oldest and oldest > 14),
        ),
        Headline(
            count=checks.expiring_count,
            label=plural(checks.expiring_count, "check", "checks") + f" expiring within {checks.within_days} days",
            url=expiring_checks_report_url(),
        ),
        Headline(
            count=checks.expired_count,
            label=plural(checks.expired_count, "required check expired", "required checks expired"),
            url=reverse("insights:expired_checks"),
            is_urgent=checks.expired_count > 0,
        ),
        Headline(
            count=monitoring.due_count,
            label=plural(monitoring.due_count, "monitoring visit", "monitoring visits")
            + f" due within {monitoring.within_days} days",
            # The report's "due soon, not yet overdue" rows: overdue ones have their own headline.
            url=monitoring_due_report_url() + f"?show=upcoming&within_days={monitoring.within_days}",
        ),
        Headline(
            count=monitoring.overdue_count,
            label=plural(monitoring.overdue_count, "monitoring visit overdue", "monitoring visits overdue"),
            url=monitoring_due_report_url() + "?show=overdue",
            is_urgent=monitoring.overdue_count > 0,
        ),
        Headline(
            count=flags.tally.total,
            label=plural(flags.tally.total, "open provider-failure flag", "open provider-failure flags"),
            detail=f"{flags.at_risk_or_worse} at risk or worse",
            url=reverse("insights:open_flags"),
            is_urgent=flags.at_risk_or_worse > 0,
        ),
    ]
    if gaps is not None:
        headlines.append(
            Headline(
                count=len(gaps.gaps),
                label=plural(len(gaps.gaps), "town or village", "towns and villages")
                + f" with no personal assistant offering {gaps.service.name.lower()} within {gaps.miles:g} miles",
                url=reverse("insights:rural_gaps"),
                is_urgent=bool(gaps.gaps),
            )
        )
    return headlines


class DashboardView(CommissionersOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    commissioner_permission = PERMISSION
    template_name = "insights/dashboard.html"
    page_title = DASHBOARD_TITLE
    header_icon = "site"
    breadcrumbs_items = DASHBOARD_BREADCRUMBS[:1]

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": DASHBOARD_TITLE}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        figures = selectors.morning_figures(today=timezone.localdate())
        today, pipeline, checks, flags = figures.today, figures.pipeline, figures.checks, figures.flags
        ratings, monitoring = figures.ratings, figures.monitoring
        pipeline_url = reverse("insights:accreditation_pipeline")
        flags_url = reverse("insights:open_flags")
        ratings_url = reverse("insights:ratings")
        context.update(
            today=today,
            headlines=dashboard_headlines(figures),
            pipeline=pipeline,
            pipeline_chart=chart_from_tally(
                pipeline.tally,
                title="Providers by accreditation status",
                slug="accreditation",
                urls={item.key: f"{pipeline_url}?status={item.key}" for item in pipeline.tally.counts},
            ),
            checks=checks,
            checks_chart=expiry_chart(checks),
            flags=flags,
            flags_chart=chart_from_tally(
                flags.tally,
                title="Open provider-failure flags by level",
                category_label="Level",
                value_label="Flags",
                slug="flags",
                urls={item.key: f"{flags_url}?level={item.key}" for item in flags.tally.counts},
            ),
            monitoring=monitoring,
            monitoring_chart=monitoring_chart(monitoring),
            ratings=ratings,
            monitoring_ratings_chart=chart_from_tally(
                ratings.monitoring,
                title="Providers by latest monitoring rating",
                category_label="Overall rating",
                slug="monitoring-ratings",
                urls={item.key: f"{ratings_url}?monitoring_rating={item.key}" for item in ratings.monitoring.counts},
            ),
            cqc_chart=chart_from_tally(
                ratings.cqc,
                title="Published providers by CQC rating",
                category_label="CQC rating",
                slug="cqc",
                urls={item.key: f"{ratings_url}?cqc_rating={item.key}" for item in ratings.cqc.counts},
            ),
            reports=report_links(),
            expiring_checks_url=expiring_checks_report_url(),
            monitoring_due_url=monitoring_due_report_url(),
        )
        return context


def expiry_chart(checks: selectors.CheckExpiry) -> BarChart:
    """Checks by how soon they expire: required ones already expired, then the weeks ahead."""
    bars = [
        Bar(label="Expired", value=checks.expired_count),
        Bar(label="Within 7 days", value=checks.within_7_days),
        Bar(label="8 to 14 days", value=checks.within_8_to_14_days),
    ]
    if checks.within_days > 14:
        bars.append(Bar(label=f"15 to {checks.within_days} days", value=checks.after_14_days))
    return BarChart(
        title="Checks by expiry", bars=tuple(bars), category_label="When", value_label="Checks", slug="expiry"
    )


def monitoring_chart(monitoring: selectors.MonitoringDue) -> BarChart:
    """Providers due a monitoring visit by how overdue or how soon."""
    bars = (
        Bar(label="Overdue over 90 days", value=monitoring.long_overdue_count),
        Bar(label="Overdue up to 90 days", value=monitoring.overdue_count - monitoring.long_overdue_count),
        Bar(label=f"Due within {monitoring.within_days} days", value=monitoring.due_count),
    )
    return BarChart(
        title="Monitoring visits due and overdue",
        bars=bars,
        category_label="When",
        value_label="Providers",
        slug="monitoring",
    )


def report_links() -> list[tuple[str, str, str]]:
    """(title, url, what it shows) for every report, in the order the dashboard lists them."""
    own = [(str(view.page_title), reverse(f"insights:{view.url_name}"), view.description) for view in REPORT_VIEWS]
    return [
        *own[:1],
        (
            "Checks expiring in the next 30 days",
            expiring_checks_report_url(),
            "Vetting checks sent or verified whose expiry date is near.",
        ),
        *own[1:2],
        (
            "Monitoring due and overdue",
            monitoring_due_report_url(),
            "Providers on a council arrangement due or overdue a monitoring visit.",
        ),
        *own[2:],
    ]


# --- Reports ------------------------------------------------------------------------------------


class InsightsReportView(CommissionersOnlyMixin, ReportView):
    """A report built from a selector's rows, with a filter form, an accessible chart and CSV/XLSX export."""

    commissioner_permission = PERMISSION
    results_template_name = "insights/report_results.html"
    header_icon = "table"
    paginate_by = 50
    url_name = ""
    description = ""
    form_class: type[forms.ReportForm] = forms.ReportForm
    columns: Sequence[Column] = ()
    breadcrumbs_items = DASHBOARD_BREADCRUMBS

    def get_index_url(self) -> str:
        return reverse(f"insights:{self.url_name}")

    def get_index_results_url(self) -> str:
        return self.get_index_url()

    def get_filename(self) -> str:
        return f"{self.url_name.replace('_', '-')}-{timezone.localdate():%Y-%m-%d}"

    @cached_property
    def form(self) -> forms.ReportForm:
        return self.form_class(self.request.GET)

    @cached_property
    def has_errors(self) -> bool:
        return self.form.is_bound and not self.form.is_valid()

    def get_rows(self) -> list[Any]:
        raise NotImplementedError

    def get_chart(self, rows: list[Any]) -> BarChart | None:
        return None

    def get_queryset(self) -> Any:
        return [] if self.has_errors else self.get_rows()

    @cached_property
    def no_results_message(self) -> str:
        if self.has_errors:
            return "Correct the problem above to see the report."
        return "Nothing to show: no records match."

    def filter_queryset(self, queryset: Any) -> Any:
        return queryset  # the form filters inside get_rows

    def order_queryset(self, queryset: Any) -> Any:
        return queryset  # rows come in the selector's order

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        if self.has_errors:
            # Wrong filters: show the page with the errors rather than a spreadsheet of nothing.
            self.is_export: bool = False
        return super().render_to_response(context, **response_kwargs)

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        context.update(
            form=self.form,
            chart=None if self.is_export or self.has_errors else self.get_chart(self.object_list),
            description=self.description,
            csv_url=self.csv_export_url,
            xlsx_url=self.xlsx_export_url,
        )
        return context


class AccreditationPipelineReport(InsightsReportView):
    page_title = "Accreditation pipeline"
    url_name = "accreditation_pipeline"
    description = (
        "Every provider and where it stands on the accredited supplier list; waiting applications oldest first."
    )
    form_class = forms.AccreditationPipelineForm
    columns = [
        TitleColumn("provider_name", label="Provider", get_url=lambda row: provider_admin_url(row.provider_id)),
        Column("kind", label="Kind"),
        Column("listing_status", label="Listing"),
        Column("status_label", label="Accreditation"),
        Column("applied_on", label="Applied"),
        Column("days_waiting", label="Days waiting"),
        Column("accredited_since", label="Accredited since"),
    ]
    list_export = ["provider_name", "kind", "listing_status", "status_label", "applied_on", "days_waiting"]
    list_export += ["accredited_since"]
    export_headings = {
        "provider_name": "Provider",
        "kind": "Kind",
        "listing_status": "Listing",
        "status_label": "Accreditation",
        "applied_on": "Applied",
        "days_waiting": "Days waiting",
        "accredited_since": "Accredited since",
    }

    def get_rows(self) -> list[Any]:
        return selectors.accreditation_rows(status=self.form.value("status") or None)

    def get_chart(self, rows: list[Any]) -> BarChart:
        pipeline = selectors.accreditation_pipeline()
        url = self.get_index_url()
        return chart_from_tally(
            pipeline.tally,
            title="Providers by accreditation status",
            slug="accreditation",
            urls={item.key: f"{url}?status={item.key}" for item in pipeline.tally.counts},
        )


class ExpiredChecksReport(InsightsReportView):
    page_title = "Expired required checks"
    url_name = "expired_checks"
    description = (
        "Required vetting checks already out of date, oldest first, including any that passed their date since "
        "last night's update. Checks about to expire are in the report of checks expiring in the next 30 days."
    )
    columns = [
        TitleColumn("provider_name", label="Provider", get_url=lambda row: provider_admin_url(row.provider_id)),
        Column("check_name", label="Check"),
        Column("worker_name", label="Worker"),
        Column("status", label="Status"),
        Column("expires_on", label="Expired"),
        Column("days_ago", label="Days ago"),
    ]
    list_export = ["provider_name", "check_name", "worker_name", "status", "expires_on", "days_ago"]
    export_headings = {
        "provider_name": "Provider",
        "check_name": "Check",
        "worker_name": "Worker",
        "status": "Status",
        "expires_on": "Expired",
        "days_ago": "Days ago",
    }

    def get_rows(self) -> list[Any]:
        return list(selectors.expired_check_rows())

    def get_chart(self, rows: list[Any]) -> BarChart:
        return expiry_chart(selectors.check_expiry())


class OpenFlagsReport(InsightsReportView):
    page_title = "Open provider-failure flags"
    url_name = "open_flags"
    description = "Open contingency flags by level, most serious first."
    form_class = forms.FlagsForm
    columns = [
        TitleColumn("provider_name", label="Provider", get_url=lambda row: provider_admin_url(row.provider_id)),
        Column("level_label", label="Level"),
        Column("opened_on", label="Opened"),
        Column("days_open", label="Days open"),
        Column("lead_officer", label="Lead officer"),
    ]
    list_export = ["provider_name", "level_label", "opened_on", "days_open", "lead_officer"]
    export_headings = {
        "provider_name": "Provider",
        "level_label": "Level",
        "opened_on": "Opened",
        "days_open": "Days open",
        "lead_officer": "Lead officer",
    }

    @cached_property
    def flags(self) -> selectors.OpenFlags:
        return selectors.open_flags_by_level()

    def get_rows(self) -> list[Any]:
        level = self.form.value("level")
        return [row for row in self.flags.rows if not level or row.level == level]

    def get_chart(self, rows: list[Any]) -> BarChart:
        url = self.get_index_url()
        return chart_from_tally(
            self.flags.tally,
            title="Open provider-failure flags by level",
            category_label="Level",
            value_label="Flags",
            slug="flags",
            urls={item.key: f"{url}?level={item.key}" for item in self.flags.tally.counts},
        )


class RatingsReport(InsightsReportView):
    page_title = "Ratings"
    url_name = "ratings"
    description = "Published providers' CQC ratings, and the council's own latest monitoring rating for each."
    form_class = forms.RatingsForm
    columns = [
        TitleColumn("provider_name", label="Provider", get_url=lambda row: provider_admin_url(row.provider_id)),
        Column("kind", label="Kind"),
        Column("cqc_rating", label="CQC rating"),
        Column("cqc_rating_date", label="CQC rating date"),
        Column("monitoring_rating", label="Latest monitoring rating"),
        Column("monitoring_visited_on", label="Visited"),
    ]
    list_export = [
        "provider_name",
        "kind",
        "cqc_rating",
        "cqc_rating_date",
        "monitoring_rating",
        "monitoring_visited_on",
    ]
    export_headings = {
        "provider_name": "Provider",
        "kind": "Kind",
        "cqc_rating": "CQC rating",
        "cqc_rating_date": "CQC rating date",
        "monitoring_rating": "Latest monitoring rating",
        "monitoring_visited_on": "Monitoring visit date",
    }

    def get_rows(self) -> list[Any]:
        return selectors.rating_rows(
            cqc_rating=self.form.value("cqc_rating") or None,
            monitoring_rating=self.form.value("monitoring_rating") or None,
        )

    @cached_property
    def distribution(self) -> selectors.RatingsDistribution:
        return selectors.ratings_distribution()

    def get_chart(self, rows: list[Any]) -> BarChart:
        cqc = self.distribution.cqc
        url = self.get_index_url()
        return chart_from_tally(
            cqc,
            title="Published providers by CQC rating",
            category_label="CQC rating",
            slug="cqc",
            urls={item.key: f"{url}?cqc_rating={item.key}" for item in cqc.counts},
        )

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        if context["chart"] is not None:
            url = self.get_index_url()
            monitoring = self.distribution.monitoring
            context["second_chart"] = chart_from_tally(
                monitoring,
                title="Providers by latest monitoring rating",
                category_label="Overall rating",
                slug="monitoring-ratings",
                urls={item.key: f"{url}?monitoring_rating={item.key}" for item in monitoring.counts},
            )
        return context


class MarketReport(InsightsReportView):
    page_title = "Market view: supply against need"
    url_name = "market"
    description = (
        "For each locality and service: published providers taking new clients that serve the locality, "
        "their free hours and places (a provider serving several localities has its share in each), "
        "the direct payment holders who live there, and measured demand: open adverts for a personal "
        "assistant and enquiries no provider has taken up. A gap is a service nobody there is taking new "
        "clients for, or one whose free capacity per holder is under half the county's."
    )
    form_class = forms.MarketForm
    paginate_by = 100
    columns = [
        Column("locality_name", label="Locality"),
        Column("area", label="Area"),
        Column("service_name", label="Service"),
        Column("provider_count", label="Providers taking new clients"),
        Column("hours_per_week", label="Hours a week"),
        Column("places_per_day", label="Places a day"),
        Column("holder_count", label="Direct payment holders"),
        Column("holders_per_provider", label="Holders per provider"),
        Column("open_adverts", label="Open adverts"),
        Column("unfilled_enquiries", label="Enquiries not taken up"),
        Column("gap_text", label="Gap"),
    ]
    list_export = [
        "locality_name",
        "area",
        "service_name",
        "provider_count",
        "hours_per_week",
        "places_per_day",
        "holder_count",
        "holders_per_provider",
        "open_adverts",
        "unfilled_enquiries",
        "gap_text",
    ]
    export_headings = {
        "locality_name": "Locality",
        "area": "Area",
        "service_name": "Service",
        "provider_count": "Providers taking new clients",
        "hours_per_week": "Hours a week",
        "places_per_day": "Places a day",
        "holder_count": "Direct payment holders",
        "holders_per_provider": "Holders per provider",
        "open_adverts": "Open adverts",
        "unfilled_enquiries": "Enquiries not taken up",
        "gap_text": "Gap",
    }

    @cached_property
    def view(self) -> market.MarketView:
        locality, service = self.form.value("locality"), self.form.value("service")
        return market.market_supply(
            locality_ids=[locality.pk] if locality else None, service_ids=[service.pk] if service else None
        )

    def get_rows(self) -> list[Any]:
        cells = self.view.gaps if self.form.value("only_gaps") else self.view.cells
        if self.form.value("only_demand"):
            cells = tuple(cell for cell in cells if cell.demand)
        return list(cells)

    def get_chart(self, rows: list[Any]) -> BarChart:
        service = self.form.value("service")
        if service is not None:
            return BarChart(
                title=f"Providers taking new clients for {service.name.lower()}, by locality",
                bars=tuple(
                    Bar(label=cell.locality_name, value=cell.provider_count)
                    for cell in self.view.cells
                    if cell.service_id == service.pk
                ),
                category_label="Locality",
                value_label="Providers",
                slug="market",
            )
        gaps_by_locality = {locality.pk: 0 for locality in self.view.localities}
        for cell in self.view.gaps:
            gaps_by_locality[cell.locality_id] += 1
        return BarChart(
            title="Gaps (services nobody is taking new clients for, or with under half the county's free "
            "capacity per holder), by locality",
            bars=tuple(
                Bar(label=locality.name, value=gaps_by_locality[locality.pk]) for locality in self.view.localities
            ),
            category_label="Locality",
            value_label="Services with a gap",
            slug="market",
        )


class NeedsReport(InsightsReportView):
    page_title = "Market view: supply against primary need"
    url_name = "market_needs"
    description = (
        "For each locality and primary need: the direct payment holders who live there with that need, and the "
        "published providers taking new clients there who support that client group (with their share of free "
        "hours). A gap is a need people have where nobody supporting it is taking new clients."
    )
    form_class = forms.NeedsForm
    columns = [
        Column("locality_name", label="Locality"),
        Column("area", label="Area"),
        Column("need_label", label="Primary need"),
        Column("holder_count", label="Direct payment holders"),
        Column("provider_count", label="Providers taking new clients"),
        Column("hours_per_week", label="Hours a week"),
        Column("holders_per_provider", label="Holders per provider"),
    ]
    list_export = [
        "locality_name",
        "area",
        "need_label",
        "holder_count",
        "provider_count",
        "hours_per_week",
        "holders_per_provider",
    ]
    export_headings = {
        "locality_name": "Locality",
        "area": "Area",
        "need_label": "Primary need",
        "holder_count": "Direct payment holders",
        "provider_count": "Providers taking new clients",
        "hours_per_week": "Hours a week",
        "holders_per_provider": "Holders per provider",
    }

    @cached_property
    def view(self) -> market.MarketView:
        locality, service = self.form.value("locality"), self.form.value("service")
        return market.market_supply(
            locality_ids=[locality.pk] if locality else None, service_ids=[service.pk] if service else None
        )

    def get_rows(self) -> list[Any]:
        return list(self.view.need_gaps if self.form.value("only_gaps") else self.view.needs)

    def get_chart(self, rows: list[Any]) -> BarChart:
        per_provider: dict[str, list[float]] = {}
        for cell in self.view.needs:
            per_provider.setdefault(cell.need_label, [0, 0])
            per_provider[cell.need_label][0] += cell.holder_count
            per_provider[cell.need_label][1] += cell.provider_count
        return BarChart(
            title="Direct payment holders by primary need",
            bars=tuple(Bar(label=label, value=int(holders)) for label, (holders, _) in per_provider.items()),
            category_label="Primary need",
            value_label="Holders",
            slug="needs",
        )


class RuralGapsReport(InsightsReportView):
    page_title = "Rural gaps"
    url_name = "rural_gaps"
    description = (
        "Towns and villages with no published personal assistant offering the service based within the distance "
        "(as the crow flies), with how far the nearest one is."
    )
    form_class = forms.RuralGapsForm
    columns = [
        Column("name", label="Town or village"),
        Column("kind", label="Kind"),
        Column("locality_name", label="Locality"),
        Column("nearest_miles_text", label="Nearest personal assistant (miles)"),
        Column("nearest_provider_name", label="Nearest personal assistant"),
    ]
    list_export = ["name", "kind", "locality_name", "nearest_miles", "nearest_provider_name", "latitude", "longitude"]
    export_headings = {
        "name": "Town or village",
        "kind": "Kind",
        "locality_name": "Locality",
        "nearest_miles": "Nearest personal assistant (miles)",
        "nearest_provider_name": "Nearest personal assistant",
        "latitude": "Latitude",
        "longitude": "Longitude",
    }

    @cached_property
    def gaps(self) -> market.RuralGaps | None:
        service = self.form.value("service")
        if service is None:
            return None
        locality = self.form.value("locality")
        return market.rural_gaps(
            service=service,
            miles=float(self.form.value("miles")),
            locality_ids=[locality.pk] if locality else None,
        )

    def get_rows(self) -> list[Any]:
        return list(self.gaps.gaps) if self.gaps else []

    def get_chart(self, rows: list[Any]) -> BarChart | None:
        if self.gaps is None:
            return None
        # Every locality has a bar, zero included: no gaps is a finding, not a lack of data.
        locality = self.form.value("locality")
        localities = Locality.objects.filter(pk=locality.pk) if locality else Locality.objects.all()
        counts: dict[str, int] = dict.fromkeys(
            localities.order_by("name").values_list("name", flat=True),
            0,
        )
        for gap in self.gaps.gaps:
            counts[gap.locality_name or "No locality"] = counts.get(gap.locality_name or "No locality", 0) + 1
        return BarChart(
            title=(
                f"Towns and villages with no personal assistant offering {self.gaps.service.name.lower()} "
                f"within {self.gaps.miles:g} miles, by locality"
            ),
            bars=tuple(Bar(label=name, value=count) for name, count in sorted(counts.items())),
            category_label="Locality",
            value_label="Towns and villages",
            slug="gaps",
        )

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        context["gaps"] = self.gaps if not self.has_errors else None
        return context


# --- Direct payment spending (from the personal budget ledgers, marketplace.budgets) ----------


def pounds_value(pence: int) -> Decimal:
    """Pence as pounds to two places, for tables and spreadsheets."""
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class SpendingReportRow:
    category: str
    direct_payment: Decimal
    own_money: Decimal
    total: Decimal
    movements: int


class DirectPaymentSpendingReport(InsightsReportView):
    page_title = "Direct payment spending"
    url_name = "direct_payment_spending"
    description = (
        "What direct payments paid for, from every holder's ledger: invoices paid to providers, wages through a "
        "payroll service and other spending with a receipt, less corrections. Direct payment money (the "
        "council's payments and people's contributions) and people's own money for top-ups are kept apart."
    )
    form_class = forms.DirectPaymentSpendingForm
    paginate_by = 100
    columns = [
        Column("category", label="Group"),
        Column("direct_payment", label="From direct payments (£)"),
        Column("own_money", label="From own money (£)"),
        Column("total", label="Total (£)"),
        Column("movements", label="Movements"),
    ]
    list_export = ["category", "direct_payment", "own_money", "total", "movements"]
    export_headings = {
        "category": "Group",
        "direct_payment": "From direct payments (£)",
        "own_money": "From own money (£)",
        "total": "Total (£)",
        "movements": "Movements",
    }

    @cached_property
    def period(self) -> tuple[Any, Any]:
        return self.form.value("start"), self.form.value("end")

    @cached_property
    def spending(self) -> list[budget_selectors.SpendingRow]:
        start, end = self.period
        return budget_selectors.county_spending(start=start, end=end, dimension=self.form.value("group_by"))

    def get_rows(self) -> list[Any]:
        return [
            SpendingReportRow(
                category=row.category,
                direct_payment=pounds_value(row.direct_payment_pence),
                own_money=pounds_value(row.own_money_pence),
                total=pounds_value(row.total_pence),
                movements=row.movements,
            )
            for row in self.spending
        ]

    def get_chart(self, rows: list[Any]) -> BarChart:
        label = budget_selectors.DIMENSIONS[self.form.value("group_by")]
        return BarChart(
            title=f"Direct payment spending by {label.lower()}, whole pounds",
            bars=tuple(Bar(label=row.category, value=round(row.total_pence / 100)) for row in self.spending),
            category_label=label,
            value_label="Spent (£)",
            slug="spending",
        )

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        if not self.has_errors and not self.is_export:
            start, end = self.period
            unspent = budget_selectors.county_unspent()
            total = sum(row.total_pence for row in self.spending)
            context["budget_headlines"] = [
                f"Spent from {start:%-d %B %Y} to {end:%-d %B %Y}: {format_pence(total)}.",
                f"Money unspent today: {format_pence(unspent.direct_payment)} in direct payments and "
                f"{format_pence(unspent.own_money)} of people's own money.",
            ]
        return context


@dataclass(frozen=True)
class HolderReportRow:
    name: str
    url: str
    locality: str
    budget: Decimal | None
    direct_payment: Decimal
    own_money: Decimal
    threshold: Decimal | None
    above_threshold: Decimal
    flags: str


class DirectPaymentHoldersReport(InsightsReportView):
    page_title = "Direct payment holders and surplus"
    url_name = "direct_payment_holders"
    description = (
        "Every holder with a budget: balances from their ledger, the surplus threshold (the weeks of budget in "
        "the budget settings) and flags. Open a holder to see their statement or record an adjustment."
    )
    form_class = forms.DirectPaymentHoldersForm
    columns = [
        TitleColumn("name", label="Holder", get_url=lambda row: row.url),
        Column("locality", label="Locality"),
        Column("budget", label="Budget every 4 weeks (£)"),
        Column("direct_payment", label="Direct payment (£)"),
        Column("own_money", label="Own money (£)"),
        Column("threshold", label="Surplus threshold (£)"),
        Column("above_threshold", label="Above threshold (£)"),
        Column("flags", label="Flags"),
    ]
    list_export = [
        "name",
        "locality",
        "budget",
        "direct_payment",
        "own_money",
        "threshold",
        "above_threshold",
        "flags",
    ]
    export_headings = {
        "name": "Holder",
        "locality": "Locality",
        "budget": "Budget every 4 weeks (£)",
        "direct_payment": "Direct payment (£)",
        "own_money": "Own money (£)",
        "threshold": "Surplus threshold (£)",
        "above_threshold": "Above threshold (£)",
        "flags": "Flags",
    }

    @cached_property
    def holders(self) -> list[budget_selectors.HolderMoney]:
        return budget_selectors.county_holders(
            today=timezone.localdate(), only_over=bool(self.form.value("only_over"))
        )

    def get_rows(self) -> list[Any]:
        return [
            HolderReportRow(
                name=row.name,
                url=reverse("budgets_admin:holder", kwargs={"holder_uuid": row.holder_uuid}),
                locality=row.locality,
                budget=pounds_value(row.budget_pence) if row.budget_pence is not None else None,
                direct_payment=pounds_value(row.balances.direct_payment),
                own_money=pounds_value(row.balances.own_money),
                threshold=pounds_value(row.threshold) if row.threshold is not None else None,
                above_threshold=pounds_value(row.above_threshold_pence),
                flags="; ".join(row.flags),
            )
            for row in self.holders
        ]

    def get_chart(self, rows: list[Any]) -> BarChart:
        counts: dict[str, int] = {}
        for row in self.holders:
            key = row.locality or "No locality"
            counts[key] = counts.get(key, 0) + (1 if row.is_over_threshold else 0)
        return BarChart(
            title="Holders above the surplus threshold, by locality",
            bars=tuple(Bar(label=name, value=count) for name, count in sorted(counts.items())),
            category_label="Locality",
            value_label="Holders above the threshold",
            slug="surplus",
        )


@dataclass(frozen=True)
class RateReportRow:
    category: str
    agreements: int
    hours_per_week: Decimal
    average_rate: Decimal
    managed_rate: Decimal
    difference: Decimal


class DirectPaymentRatesReport(InsightsReportView):
    page_title = "Rates paid against the managed-service rate"
    url_name = "direct_payment_rates"
    description = (
        "The average hourly rate of live agreements (weighted by hours a week, top-ups included) by kind of "
        "provider, against the managed-service rate in the budget settings."
    )
    form_class = forms.ReportForm
    columns = [
        Column("category", label="Kind of provider"),
        Column("agreements", label="Live agreements"),
        Column("hours_per_week", label="Hours a week"),
        Column("average_rate", label="Average rate an hour (£)"),
        Column("managed_rate", label="Managed-service rate (£)"),
        Column("difference", label="Difference (£)"),
    ]
    list_export = ["category", "agreements", "hours_per_week", "average_rate", "managed_rate", "difference"]
    export_headings = {
        "category": "Kind of provider",
        "agreements": "Live agreements",
        "hours_per_week": "Hours a week",
        "average_rate": "Average rate an hour (£)",
        "managed_rate": "Managed-service rate (£)",
        "difference": "Difference (£)",
    }

    @cached_property
    def rates(self) -> list[budget_selectors.RateRow]:
        return budget_selectors.county_hourly_rates()

    def get_rows(self) -> list[Any]:
        return [
            RateReportRow(
                category=row.category,
                agreements=row.agreements,
                hours_per_week=row.hours_per_week,
                average_rate=pounds_value(row.average_rate_pence),
                managed_rate=pounds_value(row.managed_rate_pence),
                difference=pounds_value(row.difference_pence),
            )
            for row in self.rates
        ]

    def get_chart(self, rows: list[Any]) -> BarChart:
        return BarChart(
            title="Average hourly rate of live agreements by kind of provider, in pence",
            bars=tuple(Bar(label=row.category, value=row.average_rate_pence) for row in self.rates),
            category_label="Kind of provider",
            value_label="Pence an hour",
            slug="rates",
        )


REPORT_VIEWS: list[type[InsightsReportView]] = [
    AccreditationPipelineReport,
    ExpiredChecksReport,
    OpenFlagsReport,
    RatingsReport,
    MarketReport,
    NeedsReport,
    RuralGapsReport,
    DirectPaymentSpendingReport,
    DirectPaymentHoldersReport,
    DirectPaymentRatesReport,
]
