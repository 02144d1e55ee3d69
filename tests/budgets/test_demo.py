"""The demo county's budgets: Margaret's balance is the sum of her ledger, some holders are over the threshold,
the daily job finds nothing left to post, and every transaction balances."""

from datetime import date

import pytest
from django.db.models import Sum

from marketplace.accounts.models import User
from marketplace.accounts.selectors import holders_for_user
from marketplace.budgets import selectors, services
from marketplace.budgets.models import LedgerTransaction, Posting
from marketplace.demo.builder import demo_county_build

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


@pytest.fixture
def county(db: None) -> None:
    demo_county_build(scale=0.05, seed=2026, today=TODAY)


def test_demo_ledgers_balance_and_margaret_sees_a_surplus_warning(county: None) -> None:
    margaret = User.objects.get(email="dp-holder@demo.example")
    david = User.objects.get(email="family@demo.example")
    holder = holders_for_user(margaret)[0]
    assert david.has_perm("accounts.view_holder_money", holder)

    held = Posting.objects.filter(account__holder=holder, account__kind="direct_payment").aggregate(
        t=Sum("amount_pence")
    )
    balances = selectors.holder_balances(holder)
    assert balances.direct_payment == held["t"]
    forecast = selectors.holder_forecast(holder, today=TODAY, weeks=12)
    assert forecast.surplus_warning
    assert LedgerTransaction.objects.filter(holder=holder, kind="off_platform").exclude(receipt="").exists()

    unbalanced = LedgerTransaction.objects.annotate(total=Sum("postings__amount_pence")).exclude(total=0).count()
    assert unbalanced == 0
    over = selectors.county_holders(today=TODAY, only_over=True)
    assert 1 <= len(over) < len(selectors.county_holders(today=TODAY))
    # The daily job on the same day finds every scheduled payment already posted.
    assert services.scheduled_payments_post(today=TODAY) == 0
