"""Hostile input on every budgets page and form, as every role: no 5xx, errors are shown with what was typed.

Uses the project's hostile-input generator (tests/test_hostile_input.py); this module gives it a world with a
budget, a ledger, a payable invoice and an employer's checklist, which the project-wide suite does not build.
"""

import random
import traceback
import uuid
from typing import Any

import pytest
from django.core.signals import got_request_exception
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.services import account_email_mark_verified
from marketplace.budgets import services
from marketplace.budgets.models import EmployerDuty, LedgerTransaction
from tests.factories import AgreementFactory, ProviderMembershipFactory
from tests.hostile import FormParser, hostile_data, hostile_query

from .conftest import act_for, issue_invoice, moment, png_upload, verified_user

pytestmark = pytest.mark.django_db


def test_no_hostile_request_to_the_budget_pages_gets_a_5xx(
    holder, family, family_without_money, commissioner_user, site
):
    today = timezone.localdate()
    services.budget_set(
        holder=holder, starts_on=today - timedelta_days(30), council_payment_pence=90_000, by=None, now=moment(today)
    )
    services.scheduled_payments_post(today=today, now=moment(today))
    agreement = AgreementFactory(holder=holder, version__employment="employed")
    invoice = issue_invoice(agreement, total=5_000, own=100, issued_on=today - timedelta_days(3))
    spent = services.spending_record(
        holder=holder,
        kind="off_platform",
        fund="direct_payment",
        amount_pence=1_000,
        occurred_on=today,
        description="Swim",
        receipt=png_upload(),
        by=None,
        now=moment(today),
    )
    duty = services.employer_duties_ensure(holder=holder, now=moment(today))[0]
    provider_user = ProviderMembershipFactory(user=verified_user("owner@example.org")).user
    account_email_mark_verified(user=commissioner_user)
    other_agent = act_for(holder.__class__.objects.create(display_name="Other"), "x@example.org", money=True)

    kwargs_sets = [
        ("budgets:money", {}),
        ("budgets:invoice_pay", {"invoice_uuid": invoice.uuid}),
        ("budgets:spending_new", {}),
        ("budgets:payroll", {}),
        ("budgets:payroll_import", {}),
        ("budgets:statement", {}),
        ("budgets:receipt", {"transaction_uuid": spent.uuid}),
        ("budgets:employer_duties", {}),
        ("budgets:employer_duty_edit", {"duty_uuid": duty.uuid}),
        ("budgets:employer_duty_evidence", {"evidence_id": 1}),
        ("budgets_admin:holder", {}),
        ("budgets_admin:reverse", {"transaction_uuid": spent.uuid}),
    ]
    urls = []
    for name, extra in kwargs_sets:
        urls.append(reverse(name, kwargs={"holder_uuid": holder.uuid, **extra}))
        nonsense = {key: (uuid.uuid4() if "uuid" in key else 9 * 10**20) for key in extra}
        urls.append(reverse(name, kwargs={"holder_uuid": uuid.uuid4(), **nonsense}))
    urls += [
        reverse("insights:direct_payment_spending"),
        reverse("insights:direct_payment_holders"),
        reverse("insights:direct_payment_rates"),
    ]
    roles = {
        "anonymous": None,
        "holder": holder.user,
        "family with money": family,
        "family without money": family_without_money,
        "another holder's agent": other_agent,
        "provider": provider_user,
        "commissioner": commissioner_user,
    }
    rng = random.Random(32)
    failures: list[str] = []
    exceptions: list[str] = []

    def record(sender: Any, **kwargs: Any) -> None:
        exceptions.append(traceback.format_exc()[-1500:])

    got_request_exception.connect(record)
    sent = 0
    try:
        for role, user in roles.items():
            client = Client(raise_request_exception=False)
            if user is not None:
                client.force_login(user)
            for url in urls:
                for attempt in range(3):
                    page = client.get(url, hostile_query(rng) if attempt else {})
                    sent += 1
                    if page.status_code >= 500:
                        failures.append(f"{role} GET {url} -> {page.status_code}\n{exceptions[-1:]}")
                    if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
                        continue
                    parser = FormParser()
                    parser.feed(page.content.decode("utf-8", "replace"))
                    for form in parser.forms:
                        target = form["action"] or url
                        if not target.startswith("/") or "logout" in target or "switch" in target:
                            continue
                        data = hostile_data(form, rng)
                        response = client.post(target, data) if form["method"] == "post" else client.get(target, data)
                        sent += 1
                        if response.status_code >= 500:
                            failures.append(
                                f"{role} {form['method']} {target} -> {response.status_code}\n{exceptions[-1:]}"
                            )
    finally:
        got_request_exception.disconnect(record)
    print(f"\nbudgets hostile input: {sent} requests")
    assert not failures, "\n".join(failures[:20])
    # Hostile choices never pay an invoice, and whatever was recorded (a correction has only a reason) balances.
    assert not LedgerTransaction.objects.filter(kind="invoice_payment").exists()
    unbalanced = LedgerTransaction.objects.annotate(total=Sum("postings__amount_pence")).exclude(total=0)
    assert not unbalanced.exists()
    assert EmployerDuty.objects.filter(holder=holder).count() == 7


def timedelta_days(days: int) -> Any:
    from datetime import timedelta

    return timedelta(days=days)
