"""bench_dashboard's writes: each is the kind of change it names, and a second one changes it back."""

import pytest

from marketplace.insights.freshness import records_versions
from marketplace.insights.management.commands.bench_dashboard import (
    edit_a_description,
    publish_a_visit,
    rename_a_provider,
)
from marketplace.insights.models import ProviderChange
from marketplace.monitoring.models import MonitoringVisit
from marketplace.providers.models import Provider
from tests.factories import MonitoringVisitFactory, ProviderFactory


@pytest.mark.django_db
def test_the_dashboard_rows_edit_what_no_figure_reads_then_what_one_does_and_change_it_back():
    """The description edit keeps every panel's records version (the figures stay kept), the rename gives the
    rural gaps a new one (they are worked out afresh), and a second rename puts the name back."""
    provider = ProviderFactory(name="Bench Care", description="Care at home")
    ProviderFactory()
    before = records_versions()

    edit_a_description()
    provider.refresh_from_db()
    assert provider.description == "Care at home (changed)"
    assert records_versions() == before

    rename_a_provider()
    assert Provider.objects.get(pk=provider.pk).name == "Bench Care (changed)"
    after = records_versions()
    assert {name for name in after if after[name] != before[name]} == {"gaps"}
    rename_a_provider()
    assert Provider.objects.get(pk=provider.pk).name == "Bench Care"


@pytest.mark.django_db
def test_publishing_a_visit_names_its_provider_in_the_change_log_and_a_second_changes_it_back():

    visit = MonitoringVisitFactory(status=MonitoringVisit.Status.FINALISED)
    before = records_versions()

    publish_a_visit()
    visit.refresh_from_db()
    assert visit.status == MonitoringVisit.Status.PUBLISHED
    after = records_versions()
    assert after == before  # no panel is worked out afresh: the schedule and the ratings find it in the log
    assert ProviderChange.objects.filter(provider_id=visit.provider_id).exists()
    publish_a_visit()
    visit.refresh_from_db()
    assert visit.status == MonitoringVisit.Status.FINALISED
