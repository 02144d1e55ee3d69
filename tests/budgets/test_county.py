"""The county's direct payment spending for commissioners: totals equal the ledgers, exports, who may see."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace.budgets import selectors, services
from marketplace.providers.models import Provider
from tests.factories import AgreementFactory, DirectPaymentHolderFactory, LocalityFactory, ServiceTypeFactory

from .conftest import issue_invoice, moment, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(site):
    """Three holders in two localities: invoices to a PA and an agency, payroll, receipts, a correction."""
    today = timezone.localdate()
    now = moment(today)
    care, shopping = ServiceTypeFactory(name="Personal care"), ServiceTypeFactory(name="Shopping")
    north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
    holders = []
    for index, locality in enumerate((north, north, south)):
        holder = DirectPaymentHolderFactory(locality=locality)
        services.budget_set(
            holder=holder,
            starts_on=today - timedelta(days=100),
            council_payment_pence=80_000 + index * 90_000,
            by=None,
            now=now,
        )
        pa = AgreementFactory(holder=holder, version__services=[care])
        agency = AgreementFactory(
            holder=holder,
            provider__kind=Provider.Kind.HOME_CARE_AGENCY,
            version__services=[shopping, care],
            version__rate_pence=2400,
        )
        first = issue_invoice(pa, total=6_000 + index, own=300, issued_on=today - timedelta(days=10))
        services.invoice_payment_record(
            invoice=first, by=None, route="bank_transfer", reference="A", paid_on=today, now=now
        )
        second = issue_invoice(agency, total=9_600, issued_on=today - timedelta(days=10))
        wrong = services.invoice_payment_record(
            invoice=second, by=None, route="bank_transfer", reference="B", paid_on=today, now=now
        )
        if index == 2:
            services.transaction_reverse(record=wrong, by=None, reason="Recorded against the wrong holder", now=now)
        services.spending_record(
            holder=holder,
            kind="payroll",
            fund="direct_payment",
            amount_pence=41_250,
            occurred_on=today,
            description="Wages",
            by=None,
            now=now,
        )
        services.spending_record(
            holder=holder,
            kind="off_platform",
            fund="own_money",
            amount_pence=1_250,
            occurred_on=today,
            description="Swimming",
            receipt=png_upload(),
            by=None,
            now=now,
        )
        holders.append(holder)
    services.scheduled_payments_post(today=today, now=now)
    return holders


@pytest.mark.parametrize("dimension", ["service", "provider_kind", "locality"])
def test_every_spending_total_equals_the_sum_of_the_ledgers(county, dimension):
    today = timezone.localdate()
    start = today - timedelta(days=364)
    rows = selectors.county_spending(start=start, end=today, dimension=dimension)
    ledger_total = selectors.ledger_spending_total(start=start, end=today)
    assert sum(row.total_pence for row in rows) == ledger_total
    holders_spent = sum(
        -line.direct_payment - line.own_money
        for holder in county
        for line in selectors.holder_statement(holder, start=start, end=today).lines
        if line.kind not in ("Payment from the council", "Your contribution", "Own money added")
    )
    assert ledger_total == holders_spent


def test_spending_groups(county):
    today = timezone.localdate()
    by_service = {
        row.category: row
        for row in selectors.county_spending(start=today - timedelta(days=7), end=today, dimension="service")
    }
    # The agency's invoices count under "Personal care" (first service by name); one was corrected away.
    assert by_service["Personal care"].total_pence == (6_000 + 6_001 + 6_002) + 2 * 9_600
    assert by_service["Wages through a payroll service"].total_pence == 3 * 41_250
    assert by_service["Other spending with a receipt"].own_money_pence == 3 * 1_250
    by_locality = {
        row.category: row.total_pence
        for row in selectors.county_spending(start=today, end=today, dimension="locality")
    }
    assert set(by_locality) == {"North", "South"}


def test_holders_above_the_surplus_threshold(county):
    rows = selectors.county_holders(today=timezone.localdate())
    assert len(rows) == 3
    over = selectors.county_holders(today=timezone.localdate(), only_over=True)
    assert all(row.is_over_threshold for row in over)
    unspent = selectors.county_unspent()
    assert unspent.total == sum(selectors.holder_balances(holder).total for holder in county)


@pytest.fixture
def commissioner_client(commissioner_user):
    from marketplace.accounts.services import account_email_mark_verified
    from tests.factories import TEST_TOTP_SECRET  # noqa: F401  (the commissioner has an authenticator app)

    account_email_mark_verified(user=commissioner_user)
    client = Client()
    client.force_login(commissioner_user)
    return client


def _admin_ok(client, url):
    response = client.get(url)
    if response.status_code == 302 and "mfa" in response["Location"]:
        pytest.fail("the test commissioner was sent to set up two-factor authentication")
    return response


def test_reports_render_with_charts_and_export(county, commissioner_client):
    for name in ("direct_payment_spending", "direct_payment_holders", "direct_payment_rates"):
        url = reverse(f"insights:{name}")
        page = _admin_ok(commissioner_client, url)
        assert page.status_code == 200, name
        assert 'role="img"' in page.content.decode()
        csv_export = commissioner_client.get(url, {"export": "csv"})
        assert csv_export.status_code == 200
        xlsx = commissioner_client.get(url, {"export": "xlsx"})
        assert xlsx.status_code == 200
        assert b"".join(xlsx.streaming_content)[:2] == b"PK"


def test_spending_export_totals_equal_the_ledgers(county, commissioner_client):
    today = timezone.localdate()
    start = today - timedelta(days=364)
    response = commissioner_client.get(
        reverse("insights:direct_payment_spending"),
        {"group_by": "locality", "start": start, "end": today, "export": "csv"},
    )
    lines = b"".join(response.streaming_content).decode().splitlines()[1:]
    total = sum(round(float(line.rsplit(",", 2)[-2]) * 100) for line in lines)
    assert total == selectors.ledger_spending_total(start=start, end=today)


def test_a_commissioner_adjusts_a_ledger_with_a_reason_in_the_admin(county, commissioner_client):
    holder = county[0]
    url = reverse("budgets_admin:holder", kwargs={"holder_uuid": holder.uuid})
    assert _admin_ok(commissioner_client, url).status_code == 200
    before = selectors.holder_balances(holder)
    missing = commissioner_client.post(
        url, {"fund": "direct_payment", "amount": "-100", "occurred_on": timezone.localdate(), "reason": ""}
    )
    assert "Give the reason for the adjustment" in missing.content.decode()
    done = commissioner_client.post(
        url,
        {
            "fund": "direct_payment",
            "amount": "-100.00",
            "occurred_on": timezone.localdate().isoformat(),
            "reason": "Surplus recovered",
        },
    )
    assert done.status_code == 302
    assert selectors.holder_balances(holder).direct_payment == before.direct_payment - 10_000


def test_nobody_but_commissioners_sees_the_county(county):
    holder_client = Client()
    holder_client.force_login(county[0].user)
    for url in (
        reverse("insights:direct_payment_spending"),
        reverse("budgets_admin:holder", kwargs={"holder_uuid": county[0].uuid}),
    ):
        assert holder_client.get(url).status_code in (302, 403)
        assert Client().get(url).status_code == 302
