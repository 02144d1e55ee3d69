"""The demo county's agreements: the demo logins see a year of them, and the money adds up."""

from datetime import date

import pytest
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.agreements.models import Agreement, Invoice, TimesheetEntry
from marketplace.demo.agreements import demo_day_centre
from marketplace.demo.builder import demo_county_build
from marketplace.payments.management.commands.payments_demo_accounts import Command as PaymentsDemoAccounts
from marketplace.providers.models import Provider

TODAY = date(2027, 2, 28)


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    """The demo county at scale 1, built once for this module in a transaction rolled back afterwards."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield demo_county_build(scale=1, seed=2026, today=TODAY)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.django_db
def test_the_demo_holder_has_a_live_agreement_with_a_change_waiting_and_an_ended_one(county):
    hers = Agreement.objects.filter(holder__user__email="dp-holder@demo.example").exclude(provider=demo_day_centre())
    agreements = {a.status: a for a in hers}
    live, ended = agreements[Agreement.Status.LIVE], agreements[Agreement.Status.ENDED]
    assert live.provider.memberships.filter(user__email="pa@demo.example").exists()
    assert live.in_force.number == 2
    assert live.in_force.employment == Agreement.Employment.EMPLOYED
    waiting = live.versions.get(number=3)
    assert waiting.provider_accepted_at is not None
    assert waiting.holder_accepted_at is None
    assert ended.provider.memberships.filter(user__email="provider@demo.example").exists()
    assert ended.ended_on < TODAY
    assert ended.end_reason
    entries = live.timesheet_entries
    assert entries.filter(status=TimesheetEntry.Status.SUBMITTED).exists()
    assert entries.filter(status=TimesheetEntry.Status.QUERIED).count() == 1
    assert entries.filter(status=TimesheetEntry.Status.APPROVED, invoice__isnull=True).exists()
    assert live.invoices.filter(status=Invoice.Status.PAYABLE).exists()
    assert live.invoices.filter(status=Invoice.Status.PAID, paid_route=Invoice.Route.PREPAID_CARD).count() >= 8


@pytest.mark.django_db
def test_the_family_member_has_day_centre_invoices_to_pay_online(county):
    """David can try paying online: two invoices to pay from the day service the fake Stripe connects."""
    day_centre = demo_day_centre()
    assert day_centre is not None
    assert PaymentsDemoAccounts()._provider_of_kind(Provider.Kind.DAY_SERVICE) == day_centre
    live = Agreement.objects.get(holder__user__email="dp-holder@demo.example", provider=day_centre)
    assert live.status == Agreement.Status.LIVE
    assert live.in_force.employment == Agreement.Employment.ORGANISATION
    payable = live.invoices.filter(status=Invoice.Status.PAYABLE)
    assert payable.count() == 2
    assert all(invoice.total_pence >= 30 for invoice in payable)
    assert live.invoices.filter(status=Invoice.Status.PAID, paid_route=Invoice.Route.BANK_TRANSFER).count() >= 6
    assert not live.timesheet_entries.filter(status=TimesheetEntry.Status.APPROVED, invoice__isnull=True).exists()


@pytest.mark.django_db
def test_every_invoice_adds_up_and_paid_ones_have_realistic_dates(county):
    assert Invoice.objects.count() > 40
    assert Invoice.objects.filter(status=Invoice.Status.PAID).count() > Invoice.objects.count() / 2
    for invoice in Invoice.objects.annotate(summed=Sum("entries__amount_pence"), own=Sum("entries__own_money_pence")):
        assert invoice.summed == invoice.total_pence
        assert invoice.own == invoice.own_money_pence
        assert invoice.period_end <= timezone.localdate(invoice.issued_at) <= TODAY
        if invoice.status == Invoice.Status.PAID:
            assert timezone.localdate(invoice.issued_at) <= invoice.paid_on < TODAY
            assert invoice.paid_route in (Invoice.Route.PREPAID_CARD, Invoice.Route.BANK_TRANSFER)
    assert not TimesheetEntry.objects.filter(worked_on__gt=TODAY).exists()
    kinds = set(Agreement.objects.values_list("in_force__employment", flat=True))
    assert {"employed", "organisation"} <= kinds


@pytest.mark.django_db
def test_the_family_member_sees_them_on_your_support(county, site):
    client = Client()
    client.force_login(User.objects.get(email="family@demo.example"))
    client.post(
        reverse("engagement:switch_holder"),
        {"holder": str(Agreement.objects.filter(holder__user__email="dp-holder@demo.example").first().holder.uuid)},
    )
    html = client.get(reverse("engagement:home")).content.decode()
    assert 'id="agreements"' in html
    live = Agreement.objects.get(
        holder__user__email="dp-holder@demo.example", provider__memberships__user__email="pa@demo.example"
    )
    page = client.get(reverse("agreements:agreement", args=[live.uuid])).content.decode()
    assert "Accept version 3" in page
    assert "Mum says you left at half past eleven" in page
