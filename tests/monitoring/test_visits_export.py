"""The visits export runs a fixed number of queries whatever the number of visits, and streams as it goes."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ArrangementFactory, MonitoringVisitFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def export(client, export_format: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("monitoring_visits:index") + f"?export={export_format}")
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body, len(queries)


@pytest.mark.parametrize("export_format", ["xlsx", "csv"])
def test_the_visits_export_runs_the_same_queries_for_3_and_30_visits(client, commissioner_user, export_format):
    client.force_login(commissioner_user)
    arrangement = ArrangementFactory()
    counts = []
    for size in (3, 30):
        for _ in range(size - (3 if size == 30 else 0)):
            MonitoringVisitFactory(provider=ProviderFactory(), officer=commissioner_user, arrangement=arrangement)
        response, body, count = export(client, export_format)
        assert response.status_code == 200
        counts.append(count)
    assert counts[0] == counts[1]
    if export_format == "xlsx":
        rows = list(openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
        assert len(rows) == 31
