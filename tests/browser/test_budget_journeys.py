"""Browser journeys for the personal budget ledger.

(a) David, Margaret's son with the money right, opens her money from "Your support", records that an invoice
    was paid by card (the top-up part from her own money), and sees the balance, the 4-week commitment and the
    forecast change; when her agreement ends, the forecast passes the surplus threshold and the warning appears,
    in plain words, on the money page and on "Your support".
(b) A commissioner opens the county's direct payment spending report, groups it by locality and downloads it
    as CSV, whose total equals the ledgers'; then opens the holders report and one holder's ledger.

axe-core runs on every page visited (the admin's own markup is reported); screenshots go to var/screenshots/.
"""

import csv
import datetime
from decimal import Decimal
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Page, expect

from marketplace.accounts.models import RIGHT_FIELDS, ActingFor, right_fields
from marketplace.agreements.models import Agreement, Invoice
from marketplace.budgets import selectors, services
from tests.browser.helpers import fill_date, report_admin_violations, settled, sign_in, sign_in_to_admin
from tests.factories import (
    AgreementFactory,
    CommissionerFactory,
    DirectPaymentHolderFactory,
    LocalityFactory,
    ProviderFactory,
    ServiceTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser


def verified(user: Any) -> Any:
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def invoice(agreement: Agreement, number: str, *, total: int, own: int, today: datetime.date) -> Invoice:
    return Invoice.objects.create(
        number=number,
        agreement=agreement,
        holder=agreement.holder,
        provider=agreement.provider,
        total_pence=total,
        council_pence=total - own,
        own_money_pence=own,
        period_start=today - datetime.timedelta(days=7),
        period_end=today - datetime.timedelta(days=1),
        issued_at=timezone.now() - datetime.timedelta(days=1),
        due_on=today + datetime.timedelta(days=14),
    )


def test_the_family_member_records_a_payment_and_sees_the_forecast_and_a_surplus_warning(
    page: Page, live_site: Any, axe_check: Any, screenshot: Any
) -> None:
    today = timezone.localdate()
    now = timezone.now()
    margaret = verified(UserFactory(email="margaret@example.org", first_name="Margaret", last_name="Hollis"))
    holder = DirectPaymentHolderFactory(user=margaret, display_name="Margaret Hollis")
    david = verified(UserFactory(email="david@example.org", first_name="David", last_name="Hollis"))
    ActingFor.objects.create(
        agent=david,
        holder=holder,
        relationship=ActingFor.Relationship.FAMILY_MEMBER,
        started_on=datetime.date(2025, 1, 1),
        **right_fields(frozenset(RIGHT_FIELDS)),
    )
    # £1,000 every 4 weeks; the first payment 27 days ago, the next tomorrow.
    services.budget_set(
        holder=holder,
        starts_on=today - datetime.timedelta(days=27),
        council_payment_pence=100_000,
        own_money_pence=6_400,  # her own money for the top-ups, paid in on the same days
        by=None,
        now=now,
    )
    services.scheduled_payments_post(today=today, now=now)
    # 16 hours a week at £15, £1 an hour of it a top-up from her own money: £240 a week.
    agreement = AgreementFactory(
        holder=holder,
        provider=ProviderFactory(name="Hetal Makwana"),
        version__units_per_week=Decimal("16.00"),
        version__rate_pence=1500,
        version__topup_pence=100,
        version__start_on=today - datetime.timedelta(days=30),
    )
    invoice(agreement, "HM-0001", total=24_000, own=1_600, today=today)

    sign_in(page, live_site, "david@example.org", "/your-support/")
    section = page.locator("#money")
    expect(section).to_contain_text("£1,000.00")
    expect(section).not_to_contain_text("Warning")
    page.get_by_role("link", name="See your money, the forecast and statements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Direct payment money")
    expect(page.locator("#balance-direct-payment")).to_have_text("£1,000.00")
    expect(page.locator("#committed")).to_contain_text("£960.00 for the support you have agreed")
    expect(page.locator("#surplus-warning")).to_have_count(0)
    first_week = page.locator("#forecast tbody tr").first
    expect(first_week).to_contain_text("£1,776.00")  # 1,000 + 1,000 tomorrow - 224 from the direct payment
    axe_check(page)
    screenshot(page, "money-before")

    page.get_by_role("link", name="Record payment of invoice HM-0001").click()
    page.get_by_role("button", name="Record payment").click()  # nothing chosen: errors, nothing recorded
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose how the invoice was paid")
    axe_check(page)
    screenshot(page, "invoice-pay-errors")
    page.get_by_label("Direct payment card").check()
    page.get_by_label("Payment reference").fill("CARD-4471")
    fill_date(page, "Date paid", today)
    page.get_by_role("button", name="Record payment").click()

    expect(
        page.locator(".govuk-notification-banner, .app-messages, [role=alert], [role=status]").first
    ).to_contain_text("Payment of £240.00 to Hetal Makwana recorded")
    expect(page.locator("#balance-direct-payment")).to_have_text("£776.00")
    expect(page.locator("#balance-own-money")).to_have_text("£48.00")
    expect(page.locator("#forecast tbody tr").first).to_contain_text("£1,552.00")
    expect(page.locator("#recent")).to_contain_text("Invoice HM-0001 from Hetal Makwana")
    axe_check(page)
    screenshot(page, "money-after-payment")

    # The agreement ends: nothing is committed, and the council's payments would pile up past 8 weeks' budget.
    Agreement.objects.filter(pk=agreement.pk).update(status="ended", ended_on=today)
    page.reload()
    warning = page.locator("#surplus-warning")
    expect(warning).to_contain_text("more than the council lets it keep")
    expect(page.get_by_text("It may take back anything above 8 weeks of the budget (£2,000.00)")).to_be_visible()
    expect(page.get_by_text("No support agreed yet, so nothing is committed.")).to_be_visible()
    axe_check(page)
    screenshot(page, "money-surplus-warning")
    page.goto(live_site.url("/your-support/"))
    expect(page.locator("#money")).to_contain_text("will soon be above what the council lets it keep")
    axe_check(page)
    screenshot(page, "your-support-money")


def test_a_commissioner_exports_the_county_spending_report(
    page: Page, live_site: Any, axe_check: Any, axe_source: str, screenshot: Any, tmp_path: Any
) -> None:
    today = timezone.localdate()
    now = timezone.now()
    care = ServiceTypeFactory(name="Personal care")
    for index, name in enumerate(("North Wendle", "North Wendle", "South Wendle")):
        holder = DirectPaymentHolderFactory(locality=LocalityFactory(name=name), display_name=f"Holder {index + 1}")
        services.budget_set(
            holder=holder,
            starts_on=today - datetime.timedelta(days=60),
            council_payment_pence=90_000 + index * 200_000,
            by=None,
            now=now,
        )
        services.scheduled_payments_post(today=today, now=now)
        agreement = AgreementFactory(holder=holder, version__services=[care])
        paid = invoice(agreement, f"INV-{index}", total=12_000 + index, own=500, today=today)
        services.invoice_payment_record(
            invoice=paid, by=None, route="bank_transfer", reference="B", paid_on=today, now=now
        )
        services.spending_record(
            holder=holder,
            kind="payroll",
            fund="direct_payment",
            amount_pence=30_000,
            occurred_on=today,
            description="Wages for Sam",
            by=None,
            now=now,
        )
    commissioner = CommissionerFactory(email="commissioner@example.org")
    EmailAddress.objects.create(user=commissioner, email=commissioner.email, verified=True, primary=True)

    sign_in_to_admin(page, live_site, "commissioner@example.org")
    page.goto(live_site.url("/admin/insights/direct-payment-spending/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Direct payment spending")
    report = page.locator("#insights-report")
    expect(report).to_contain_text("Money unspent today")
    expect(page.locator("#chart-spending svg[role=img]")).to_have_attribute(
        "aria-label",
        "Direct payment spending by service, whole pounds, bar chart: "
        "Wages through a payroll service 900, Personal care 360.",
    )
    axe_check(settled(page), context="#insights-report")
    report_admin_violations(page, axe_source, "direct payment spending")
    screenshot(page, "county-spending")

    page.get_by_label("Group by").select_option(label="Locality")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#listing-results table.listing").last).to_contain_text("South Wendle")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["Group"] for row in rows} == {"North Wendle", "South Wendle"}
    total = sum(round(Decimal(row["Total (£)"]) * 100) for row in rows)
    assert total == selectors.ledger_spending_total(start=today - datetime.timedelta(days=364), end=today)
    screenshot(page, "county-spending-by-locality")

    page.goto(live_site.url("/admin/insights/direct-payment-holders/"))
    expect(page.locator("#listing-results table.listing").last).to_contain_text("Above the surplus threshold")
    axe_check(settled(page), context="#insights-report")
    screenshot(page, "county-holders")
    page.get_by_role("link", name="Holder 3").click()
    expect(page.locator("#budget-holder")).to_contain_text("Above the surplus threshold now")
    report_admin_violations(page, axe_source, "holder ledger")
    screenshot(page, "holder-ledger")
