"""The holder's money pages: who may see and change them, what they show, statements, and query counts."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cms.models import CouncilSettings
from marketplace.accounts.models import ActingFor
from marketplace.budgets import services
from marketplace.budgets.models import EmployerDuty, LedgerTransaction
from tests.factories import AgreementFactory, DirectPaymentHolderFactory, ProviderMembershipFactory

from .conftest import act_for, issue_invoice, moment, png_upload, verified_user

pytestmark = pytest.mark.django_db


def money_url(holder):
    return reverse("budgets:money", kwargs={"holder_uuid": holder.uuid})


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def live_budget(holder, site):
    today = timezone.localdate()
    services.budget_set(
        holder=holder, starts_on=today - timedelta(days=27), council_payment_pence=100_000, by=None, now=moment(today)
    )
    services.scheduled_payments_post(today=today, now=moment(today))
    return holder


@pytest.fixture
def others(holder):
    """Everyone who must not see Margaret's money, by role."""
    other_holder = DirectPaymentHolderFactory(user=verified_user("other@example.org"))
    ended = act_for(holder, "pat@example.org", money=True)
    ActingFor.objects.filter(agent=ended).update(ended_on=timezone.localdate() - timedelta(days=1))
    return {
        "another holder": other_holder.user,
        "another holder's agent": act_for(other_holder, "agent@example.org", money=True),
        "a family member without the money right": act_for(holder, "ruth@example.org", money=False),
        "someone whose link has ended": ended,
        "a provider's user": ProviderMembershipFactory(user=verified_user("pa@example.org")).user,
    }


def test_the_holder_and_the_family_member_with_the_money_right_see_the_money(live_budget, family):
    for user in (live_budget.user, family):
        response = signed_in(user).get(money_url(live_budget))
        assert response.status_code == 200
        assert "£1,000.00" in response.content.decode()


def test_nobody_else_sees_a_ledger(live_budget, others):
    for role, user in others.items():
        client = signed_in(user)
        for url in (
            money_url(live_budget),
            reverse("budgets:statement", kwargs={"holder_uuid": live_budget.uuid}),
            reverse("budgets:employer_duties", kwargs={"holder_uuid": live_budget.uuid}),
            reverse("budgets:spending_new", kwargs={"holder_uuid": live_budget.uuid}),
        ):
            assert client.get(url).status_code == 404, (role, url)


def test_a_signed_out_visitor_is_asked_to_sign_in(live_budget):
    response = Client().get(money_url(live_budget))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_commissioner_sees_the_money_but_cannot_record_payments(live_budget, commissioner_user):
    client = signed_in(commissioner_user)
    from marketplace.accounts.services import account_email_mark_verified

    account_email_mark_verified(user=commissioner_user)
    assert client.get(money_url(live_budget)).status_code in (200, 302)
    assert client.get(reverse("budgets:spending_new", kwargs={"holder_uuid": live_budget.uuid})).status_code in (
        403,
        302,
    )


def test_family_without_the_money_right_sees_no_money_on_your_support(holder, live_budget, others):
    ruth = others["a family member without the money right"]
    client = signed_in(ruth)
    client.post(reverse("engagement:switch_holder"), {"holder": str(holder.uuid)})
    page = client.get(reverse("engagement:home")).content.decode()
    assert "has not shared their money with you" in page
    assert "£1,000.00" not in page


def test_your_support_shows_the_balance_to_the_money_right(holder, live_budget, family):
    client = signed_in(family)
    client.post(reverse("engagement:switch_holder"), {"holder": str(holder.uuid)})
    page = client.get(reverse("engagement:home")).content.decode()
    assert 'id="money"' in page
    assert "£1,000.00" in page


def test_recording_an_invoice_payment_updates_the_balance_and_a_double_submit_records_once(live_budget, family):
    agreement = AgreementFactory(holder=live_budget)
    invoice = issue_invoice(agreement, total=6_000, own=500, issued_on=timezone.localdate() - timedelta(days=2))
    client = signed_in(family)
    url = reverse("budgets:invoice_pay", kwargs={"holder_uuid": live_budget.uuid, "invoice_uuid": invoice.uuid})
    today = timezone.localdate()
    data = {
        "route": "prepaid_card",
        "reference": "CARD-77",
        "paid_on_day": today.day,
        "paid_on_month": today.month,
        "paid_on_year": today.year,
    }
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert LedgerTransaction.objects.filter(kind="invoice_payment").count() == 1
    page = client.get(money_url(live_budget)).content.decode()
    assert "£945.00" in page  # £1,000 less the council's £55
    assert "-£5.00" in page  # the top-up from own money


def test_bad_input_on_the_payment_form_is_answered_with_an_error_summary_and_kept(live_budget, family):
    agreement = AgreementFactory(holder=live_budget)
    invoice = issue_invoice(agreement, total=6_000)
    url = reverse("budgets:invoice_pay", kwargs={"holder_uuid": live_budget.uuid, "invoice_uuid": invoice.uuid})
    response = signed_in(family).post(
        url,
        {
            "route": "bitcoin",
            "reference": "<script>x</script>",
            "paid_on_day": "31",
            "paid_on_month": "2",
            "paid_on_year": "2026",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Choose how the invoice was paid" in page
    assert "must be a real date" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_spending_with_a_receipt_then_the_receipt_downloads_for_the_money_right_only(live_budget, family, others):
    client = signed_in(family)
    today = timezone.localdate()
    response = client.post(
        reverse("budgets:spending_new", kwargs={"holder_uuid": live_budget.uuid}),
        {
            "description": "Swimming session",
            "amount": "12.50",
            "fund": "direct_payment",
            "occurred_on_day": today.day,
            "occurred_on_month": today.month,
            "occurred_on_year": today.year,
            "receipt": png_upload(),
        },
    )
    assert response.status_code == 302
    record = LedgerTransaction.objects.get(kind="off_platform")
    url = reverse("budgets:receipt", kwargs={"holder_uuid": live_budget.uuid, "transaction_uuid": record.uuid})
    assert client.get(url).status_code == 200
    assert signed_in(others["a family member without the money right"]).get(url).status_code == 404


def test_statement_downloads_as_csv_and_pdf(live_budget, family):
    client = signed_in(family)
    today = timezone.localdate()
    start = today - timedelta(days=60)
    query = {
        "start_day": start.day,
        "start_month": start.month,
        "start_year": start.year,
        "end_day": today.day,
        "end_month": today.month,
        "end_year": today.year,
    }
    as_csv = client.get(
        reverse("budgets:statement", kwargs={"holder_uuid": live_budget.uuid}), {**query, "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(as_csv.content.decode())))
    assert rows[0][0] == "Date"
    assert rows[-1][1] == "Closing balance"
    assert rows[-1][6] == "1000.00"
    as_pdf = client.get(
        reverse("budgets:statement", kwargs={"holder_uuid": live_budget.uuid}), {**query, "format": "pdf"}
    )
    assert as_pdf["Content-Type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF-")
    before = start - timedelta(days=1)  # a real date on any day (a year back from 29 February is not)
    wrong = client.get(
        reverse("budgets:statement", kwargs={"holder_uuid": live_budget.uuid}),
        {**query, "end_day": before.day, "end_month": before.month, "end_year": before.year},
    )
    assert "The last day must be on or after the first day" in wrong.content.decode()


def test_employer_duties_checklist_with_evidence(live_budget, family):
    AgreementFactory(holder=live_budget, version__employment="employed")
    client = signed_in(family)
    page = client.get(reverse("budgets:employer_duties", kwargs={"holder_uuid": live_budget.uuid})).content.decode()
    assert "Employer&#x27;s liability insurance" in page
    duty = EmployerDuty.objects.get(holder=live_budget, item="insurance")
    url = reverse("budgets:employer_duty_edit", kwargs={"holder_uuid": live_budget.uuid, "duty_uuid": duty.uuid})
    missing_date = client.post(url, {"status": "done"})
    assert "Enter the date the insurance must be renewed" in missing_date.content.decode()
    renew = timezone.localdate() + timedelta(days=200)
    done = client.post(
        url,
        {
            "status": "done",
            "renews_on_day": renew.day,
            "renews_on_month": renew.month,
            "renews_on_year": renew.year,
            "file": png_upload("certificate.png"),
        },
    )
    assert done.status_code == 302
    duty.refresh_from_db()
    assert (duty.status, duty.renews_on, duty.evidence.count()) == ("done", renew, 1)


def test_the_money_page_runs_a_fixed_number_of_queries(live_budget, family):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(family)
    today = timezone.localdate()

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(money_url(live_budget)).status_code == 200
        return len(captured)

    agreement = AgreementFactory(holder=live_budget)
    issue_invoice(agreement, total=1_000)
    count()  # the first request warms the session and the site's settings
    small = count()
    for index in range(15):
        AgreementFactory(holder=live_budget)
        issue_invoice(agreement, total=1_000 + index)
        services.spending_record(
            holder=live_budget,
            kind="payroll",
            fund="direct_payment",
            amount_pence=100 + index,
            occurred_on=today - timedelta(days=index),
            description="Wages",
            by=None,
            now=moment(today),
        )
    count()  # the footer's links are kept per listings version (decision 0048), which the writes above renewed
    assert count() == small
    print(f"money page: {small} queries with 1 and with 16 agreements")


def test_your_support_runs_a_fixed_number_of_queries_with_the_money_section(holder, live_budget, family):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(family)
    client.post(reverse("engagement:switch_holder"), {"holder": str(holder.uuid)})
    today = timezone.localdate()
    AgreementFactory(holder=holder)  # one of each row to start with: an empty list costs no prefetch at all

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("engagement:home")).status_code == 200
        return len(captured)

    count()
    small = count()
    for index in range(12):
        AgreementFactory(holder=holder)
        services.spending_record(
            holder=holder,
            kind="payroll",
            fund="direct_payment",
            amount_pence=100 + index,
            occurred_on=today,
            description="Wages",
            by=None,
            now=moment(today),
        )
    count()  # the footer's links are kept per listings version (decision 0048), which the writes above renewed
    assert count() == small


def test_the_money_pages_keep_the_councils_header(live_budget, family, site):
    """The pages' own settings must not hide the council's (the header's name and colour come from them)."""
    council = CouncilSettings.for_site(site)
    council.council_name = "Wendleshire County Council"
    council.save()
    client = signed_in(family)

    for url in (money_url(live_budget), reverse("budgets:employer_duties", kwargs={"holder_uuid": live_budget.uuid})):
        response = client.get(url)
        assert response.status_code == 200
        header = response.content.decode().split('class="govuk-generic-header app-header"')[1].split("</header>")[0]
        assert "Wendleshire County Council" in header
        assert "Council home" not in header
