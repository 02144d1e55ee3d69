"""Who is emailed about a holder: one selector for agreements, pools, enquiries, budgets, reviews and back-ups."""

from datetime import date

import pytest

from marketplace.accounts.models import ActingFor
from marketplace.accounts.selectors import holder_email_addresses
from tests.factories import DirectPaymentHolderFactory, UserFactory

pytestmark = pytest.mark.django_db

STARTED = date(2026, 1, 5)


def _link(holder, email, *, is_active=True, ended_on=None, **rights):
    ActingFor.objects.create(
        agent=UserFactory(email=email, is_active=is_active),
        holder=holder,
        relationship=ActingFor.Relationship.FAMILY_MEMBER,
        started_on=STARTED,
        ended_on=ended_on,
        **rights,
    )


def test_the_holder_and_every_live_link_each_once_in_order():
    holder = DirectPaymentHolderFactory(user=UserFactory(email="margaret@example.org"))
    _link(holder, "tom@example.org", may_see_money=True)
    _link(holder, "sue@example.org", may_agree_support=True)

    assert holder_email_addresses(holder) == ["margaret@example.org", "sue@example.org", "tom@example.org"]


def test_only_links_giving_the_right_asked_for():
    holder = DirectPaymentHolderFactory(user=UserFactory(email="margaret@example.org"))
    _link(holder, "tom@example.org", may_see_money=True)
    _link(holder, "sue@example.org", may_agree_support=True, may_message=True)

    assert holder_email_addresses(holder, right="may_see_money") == ["margaret@example.org", "tom@example.org"]
    assert holder_email_addresses(holder, right="may_message") == ["margaret@example.org", "sue@example.org"]


def test_deactivated_people_and_ended_links_are_never_emailed():
    holder = DirectPaymentHolderFactory(user=UserFactory(email="margaret@example.org", is_active=False))
    _link(holder, "left@example.org", is_active=False, may_see_money=True)
    _link(holder, "ended@example.org", ended_on=date(2026, 2, 1), may_see_money=True)
    _link(holder, "tom@example.org", may_see_money=True)

    assert holder_email_addresses(holder, right="may_see_money") == ["tom@example.org"]


def test_a_holder_who_does_not_sign_in_is_reached_through_their_links():
    holder = DirectPaymentHolderFactory(user=None)
    _link(holder, "tom@example.org", may_see_money=True)

    assert holder_email_addresses(holder) == ["tom@example.org"]


def test_a_right_that_no_link_gives_is_refused():
    holder = DirectPaymentHolderFactory()
    with pytest.raises(ValueError, match="Not a right"):
        holder_email_addresses(holder, right="may_fly")
