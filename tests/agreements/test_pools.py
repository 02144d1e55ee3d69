"""Pooled agreements: share arithmetic, inviting, joining, invoicing each share, leaving, and who sees what.

Margaret (the engagement tests' holder) has an agreement with Hetal's listing
in force from 2 March 2026. Bilal and Carol also hold direct payments and have
each sent Hetal's listing an enquiry, so the provider knows them. Bilal's
money is managed by Nadia; Carol signs in herself.
"""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from marketplace.accounts.models import ActingFor, DirectPaymentHolder, User
from marketplace.agreements import pools, services
from marketplace.agreements.models import Agreement, Invoice, PoolMember, TimesheetEntry
from marketplace.agreements.money import split_by_shares
from marketplace.agreements.services import AgreementError
from marketplace.budgets.selectors import holder_balances
from marketplace.budgets.services import invoice_payment_record
from marketplace.core.models import OutboxEmail
from tests.engagement.conftest import send_enquiry, verified_user
from tests.factories import CommissionerFactory, DirectPaymentHolderFactory

from .conftest import NOW, TODAY, moment, record

pytestmark = pytest.mark.django_db


# Share arithmetic -----------------------------------------------------------------------------


def test_a_pound_in_three_equal_shares_gives_the_odd_penny_to_the_first() -> None:
    assert split_by_shares(100, [1, 1, 1]) == [34, 33, 33]
    assert split_by_shares(1000, [5000, 3000, 2000]) == [500, 300, 200]
    assert split_by_shares(1, [3333, 3333, 3334]) == [0, 0, 1]
    assert split_by_shares(0, [1, 2]) == [0, 0]


@given(
    amount=st.integers(min_value=0, max_value=10_000_000),
    parts=st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=12),
)
def test_shares_always_add_up_to_the_whole_and_each_is_within_a_penny_of_exact(amount: int, parts: list[int]) -> None:
    pieces = split_by_shares(amount, parts)

    assert sum(pieces) == amount
    whole = sum(parts)
    for piece, part in zip(pieces, parts, strict=True):
        exact = Decimal(amount) * part / whole
        assert piece >= 0
        assert abs(Decimal(piece) - exact) < 1


def test_bad_parts_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one part"):
        split_by_shares(100, [])
    with pytest.raises(ValueError, match="at least one part"):
        split_by_shares(100, [1, 0])
    with pytest.raises(ValueError, match="negative"):
        split_by_shares(-1, [1])


# People ---------------------------------------------------------------------------------------


def _holder(email: str, first: str, last: str, *, signs_in: bool = True) -> DirectPaymentHolder:
    user = verified_user(email, first, last) if signs_in else None
    return DirectPaymentHolderFactory(user=user, display_name=f"{first} {last}")


@pytest.fixture
def bilal(provider_owner: User, personal_care: Any) -> DirectPaymentHolder:
    """Bilal Rahman: his money is managed by Nadia (below); he has sent Hetal an enquiry."""
    holder = _holder("bilal@example.org", "Bilal", "Rahman")
    send_enquiry(holder, [holder_provider(provider_owner)], holder.user, personal_care)
    return holder


def holder_provider(owner: User) -> Any:
    return owner.provider_memberships.get().provider


@pytest.fixture
def nadia(bilal: DirectPaymentHolder) -> User:
    """Nadia manages Bilal's money (and nothing else)."""
    user = verified_user("nadia@example.org", "Nadia", "Khan")
    ActingFor.objects.create(
        agent=user,
        holder=bilal,
        relationship=ActingFor.Relationship.MONEY_MANAGER,
        started_on=TODAY,
        may_see_money=True,
    )
    return user


@pytest.fixture
def carol(provider_owner: User, personal_care: Any) -> DirectPaymentHolder:
    holder = _holder("carol@example.org", "Carol", "Evans")
    send_enquiry(holder, [holder_provider(provider_owner)], holder.user, personal_care)
    return holder


def invite(agreement: Agreement, holder: DirectPaymentHolder, by: User, **overrides: Any) -> PoolMember:
    values: dict[str, Any] = {
        "agreement": agreement,
        "holder": holder,
        "by": by,
        "side": "provider",
        "shares_from": TODAY,
        "today": TODAY,
        "now": NOW,
    }
    values.update(overrides)
    return pools.pool_invite(**values)


@pytest.fixture
def pool(
    agreement: Agreement, provider_owner: User, bilal: DirectPaymentHolder, nadia: User, carol: DirectPaymentHolder
) -> Agreement:
    """Margaret's agreement shared with Bilal (joined through Nadia) and Carol (joined herself) from TODAY."""
    pools.pool_join(member=invite(agreement, bilal, provider_owner), by=nadia, today=TODAY, now=NOW)
    pools.pool_join(member=invite(agreement, carol, provider_owner), by=carol.user, today=TODAY, now=NOW)
    agreement.refresh_from_db()
    return agreement


def approved(agreement: Agreement, by: User, day: date, quantity: str = "3", today: date = TODAY) -> TimesheetEntry:
    entry = record(agreement, by, day, quantity, today=today)
    return services.timesheet_approve(entry=entry, by=by, now=NOW)


def member(agreement: Agreement, holder: DirectPaymentHolder) -> PoolMember:
    return agreement.pool_members.exclude(status=PoolMember.Status.DECLINED).get(holder=holder)


# Inviting and joining -------------------------------------------------------------------------


def test_the_first_invitation_makes_a_pool_with_the_holder_sharing_since_the_start(
    agreement: Agreement, provider_owner: User, bilal: DirectPaymentHolder, nadia: User
) -> None:
    invited = invite(agreement, bilal, provider_owner)

    first = member(agreement, agreement.holder)
    assert (first.status, first.shares_from) == (PoolMember.Status.JOINED, agreement.in_force.start_on)
    assert invited.status == PoolMember.Status.INVITED
    agreement.refresh_from_db()
    assert not agreement.is_pooled  # nobody else shares until Bilal's side joins
    joined = pools.pool_join(member=invited, by=nadia, today=TODAY, now=NOW)
    assert joined.status == PoolMember.Status.JOINED
    agreement.refresh_from_db()
    assert agreement.is_pooled


def test_an_invitation_email_goes_to_the_money_right_and_names_nobody(
    agreement: Agreement, provider_owner: User, bilal: DirectPaymentHolder, nadia: User
) -> None:
    invite(agreement, bilal, provider_owner)

    sent = OutboxEmail.objects.filter(subject="An invitation to share support")
    assert {email.to for email in sent} == {"nadia@example.org", "bilal@example.org"}
    assert not any("Margaret" in email.body for email in sent)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"shares_from": TODAY - timedelta(days=1)}, "today at the earliest"),
        ({"side": "someone"}, "which side"),
    ],
)
def test_an_invitation_is_refused_for_bad_input(
    agreement: Agreement, provider_owner: User, bilal: DirectPaymentHolder, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(AgreementError, match=message):
        invite(agreement, bilal, provider_owner, **overrides)


def test_an_unagreed_agreement_cannot_be_shared_nor_anyone_invited_twice(
    proposed: Agreement, agreement: Agreement, provider_owner: User, bilal: DirectPaymentHolder
) -> None:
    invite(agreement, bilal, provider_owner)
    with pytest.raises(AgreementError, match="already"):
        invite(agreement, bilal, provider_owner)
    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.PROPOSED)
    agreement.refresh_from_db()
    with pytest.raises(AgreementError, match="accepted"):
        invite(agreement, _holder("dee@example.org", "Dee", "Ng"), provider_owner)


def test_a_declined_invitation_shares_nothing_and_can_be_sent_again(
    agreement: Agreement, provider_owner: User, bilal: DirectPaymentHolder, nadia: User
) -> None:
    declined = pools.pool_decline(member=invite(agreement, bilal, provider_owner), by=nadia, now=NOW)

    assert declined.status == PoolMember.Status.DECLINED
    with pytest.raises(AgreementError, match="already been answered"):
        pools.pool_join(member=declined, by=nadia, today=TODAY, now=NOW)
    assert invite(agreement, bilal, provider_owner).status == PoolMember.Status.INVITED


def test_the_provider_may_invite_the_people_it_knows_and_a_money_manager_the_people_they_manage(
    agreement: Agreement, bilal: DirectPaymentHolder, carol: DirectPaymentHolder, nadia: User, holder: Any
) -> None:
    assert pools.holders_to_invite_for_provider(agreement) == [bilal, carol]
    assert pools.holders_to_invite_for_user(agreement, nadia) == [bilal]
    assert pools.holders_to_invite_for_user(agreement, holder.user) == []


# Invoicing shares -----------------------------------------------------------------------------


def test_each_member_gets_an_invoice_for_their_share_under_one_transfer_group(
    pool: Agreement, provider_owner: User, bilal: DirectPaymentHolder, carol: DirectPaymentHolder
) -> None:
    approved(pool, provider_owner, TODAY, quantity="5")  # 5 h at £16 = 8000p, own money 500p
    approved(pool, provider_owner, TODAY, quantity="0.25")  # 400p, own money 25p

    invoices = services.invoices_issue(agreement=pool, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)

    assert [invoice.holder for invoice in invoices] == [pool.holder, bilal, carol]
    assert {invoice.transfer_group for invoice in invoices} == {f"pool-{pool.uuid}-1"}
    assert sum(invoice.total_pence for invoice in invoices) == 8400
    assert [invoice.own_money_pence for invoice in invoices] == [175, 175, 175]
    assert [invoice.council_pence for invoice in invoices] == [2625, 2625, 2625]
    assert all(services.invoice_totals_check(invoice) for invoice in invoices)
    assert all(invoice.shared_entries.count() == 2 for invoice in invoices)
    assert len({invoice.number for invoice in invoices}) == 3
    with pytest.raises(AgreementError, match="no approved entries"):
        services.invoices_issue(agreement=pool, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)


def test_support_before_someone_joined_is_the_first_holders_alone(pool: Agreement, provider_owner: User) -> None:
    approved(pool, provider_owner, TODAY - timedelta(days=7))  # a Tuesday before the others joined: 4800p

    (invoice,) = services.invoices_issue(agreement=pool, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)

    assert (invoice.holder, invoice.total_pence, invoice.transfer_group) == (pool.holder, 4800, "")


def test_set_shares_must_add_up_to_the_whole_and_are_used_for_the_next_invoice(
    pool: Agreement, provider_owner: User, bilal: DirectPaymentHolder, carol: DirectPaymentHolder
) -> None:
    ids = {m.holder_id: m.pk for m in pool.pool_members.all()}
    with pytest.raises(AgreementError, match=r"add up to 100%. They add up to 90%"):
        pools.pool_set_shares(
            agreement=pool,
            by=provider_owner,
            basis_points={ids[pool.holder_id]: 5000, ids[bilal.pk]: 2000, ids[carol.pk]: 2000},
            now=NOW,
        )
    pools.pool_set_shares(
        agreement=pool,
        by=provider_owner,
        basis_points={ids[pool.holder_id]: 5000, ids[bilal.pk]: 3000, ids[carol.pk]: 2000},
        now=NOW,
    )
    approved(pool, provider_owner, TODAY, quantity="1")  # 1600p, own 100p

    invoices = services.invoices_issue(agreement=pool, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)

    assert [(i.council_pence, i.own_money_pence) for i in invoices] == [(750, 50), (450, 30), (300, 20)]


def test_the_old_single_invoice_service_refuses_a_pool(pool: Agreement, provider_owner: User) -> None:
    approved(pool, provider_owner, TODAY)
    with pytest.raises(AgreementError, match="shared"):
        services.invoice_issue(agreement=pool, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)


def test_paying_a_share_posts_only_that_share_to_that_holders_ledger(
    pool: Agreement, provider_owner: User, bilal: DirectPaymentHolder, nadia: User, carol: DirectPaymentHolder
) -> None:
    approved(pool, provider_owner, TODAY)  # 4800p: 1600p each, own money 100p each
    invoices = services.invoices_issue(agreement=pool, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)
    bilals = next(invoice for invoice in invoices if invoice.holder == bilal)

    invoice_payment_record(invoice=bilals, by=nadia, route="prepaid_card", reference="card", paid_on=TODAY, now=NOW)

    assert holder_balances(bilal).direct_payment == -1500
    assert holder_balances(bilal).own_money == -100
    assert holder_balances(carol).total == 0
    assert holder_balances(pool.holder).total == 0


# Leaving --------------------------------------------------------------------------------------


def test_a_leaver_shares_support_up_to_their_last_day_and_the_others_share_the_rest(
    pool: Agreement, provider_owner: User, bilal: DirectPaymentHolder, nadia: User, carol: DirectPaymentHolder
) -> None:
    approved(pool, provider_owner, TODAY, quantity="3")  # 4800p among three
    first = services.invoices_issue(agreement=pool, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)
    later = TODAY + timedelta(days=7)
    with time_machine.travel(moment(later)):
        pools.pool_leave(
            member=member(pool, bilal), by=nadia, last_day=later, reason="Moving away", today=later, now=NOW
        )
        approved(pool, provider_owner, later, quantity="3", today=later)  # Bilal's last day: still three
        approved(pool, provider_owner, later + timedelta(days=1), quantity="3", today=later + timedelta(days=1))
        second = services.invoices_issue(
            agreement=pool,
            by=provider_owner,
            up_to=later + timedelta(days=1),
            today=later + timedelta(days=1),
            now=NOW,
        )

    assert [(i.holder, i.total_pence) for i in second] == [(pool.holder, 1600 + 2400), (bilal, 1600), (carol, 4000)]
    assert {i.transfer_group for i in second} == {f"pool-{pool.uuid}-2"}
    assert [i.total_pence for i in Invoice.objects.filter(pk__in=[i.pk for i in first])] == [1600, 1600, 1600]


def test_when_one_member_is_left_the_agreement_is_theirs_alone_and_invoices_are_individual(
    pool: Agreement, provider_owner: User, holder: Any, bilal: DirectPaymentHolder, nadia: User,
    carol: DirectPaymentHolder,
) -> None:  # fmt: skip
    pools.pool_leave(member=member(pool, holder), by=holder.user, last_day=TODAY, reason="", today=TODAY, now=NOW)
    pool.refresh_from_db()
    assert pool.holder == bilal  # the next to join now agrees changes for the pool
    assert pool.is_pooled
    pools.pool_leave(member=member(pool, bilal), by=nadia, last_day=TODAY, reason="", today=TODAY, now=NOW)
    pool.refresh_from_db()
    assert (pool.holder, pool.is_pooled) == (carol, False)
    with pytest.raises(AgreementError, match="only person"):
        pools.pool_leave(member=member(pool, carol), by=carol.user, last_day=TODAY, reason="", today=TODAY, now=NOW)
    tomorrow = TODAY + timedelta(days=1)
    approved(pool, provider_owner, tomorrow, today=tomorrow)

    (invoice,) = services.invoices_issue(agreement=pool, by=provider_owner, up_to=tomorrow, today=tomorrow, now=NOW)

    assert (invoice.holder, invoice.total_pence, invoice.transfer_group) == (carol, 4800, "")


def test_a_leaver_can_ask_for_an_individual_agreement_on_the_same_terms(
    pool: Agreement, provider_owner: User, carol: DirectPaymentHolder
) -> None:
    left = pools.pool_leave(
        member=member(pool, carol), by=carol.user, last_day=TODAY + timedelta(days=3), reason="", today=TODAY, now=NOW
    )

    own = pools.pool_leaver_propose_individual(member=left, by=carol.user, now=NOW)

    version = own.versions.get()
    assert (own.holder, own.provider, own.is_pooled) == (carol, pool.provider, False)
    assert version.start_on == TODAY + timedelta(days=4)
    assert (version.rate_pence, version.topup_pence, version.units_per_week) == (1600, 100, Decimal("6"))
    assert version.holder_accepted_at is not None
    assert version.provider_accepted_at is None


def test_leaving_is_refused_in_the_past_or_twice(pool: Agreement, carol: DirectPaymentHolder) -> None:
    with pytest.raises(AgreementError, match="past"):
        pools.pool_leave(
            member=member(pool, carol), by=carol.user, last_day=TODAY - timedelta(days=1), reason="", today=TODAY,
            now=NOW,
        )  # fmt: skip
    left = pools.pool_leave(member=member(pool, carol), by=carol.user, last_day=TODAY, reason="", today=TODAY, now=NOW)
    with pytest.raises(AgreementError, match="Only someone sharing"):
        pools.pool_leave(member=left, by=carol.user, last_day=TODAY, reason="", today=TODAY, now=NOW)


# Pages and permissions ------------------------------------------------------------------------


@pytest.fixture
def _on_today() -> Any:
    with time_machine.travel(NOW, tick=True):
        yield


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def page(agreement: Agreement) -> str:
    return reverse("agreements:agreement", args=[agreement.uuid])


@pytest.fixture
def invoiced(pool: Agreement, provider_owner: User) -> list[Invoice]:
    approved(pool, provider_owner, TODAY)
    return services.invoices_issue(agreement=pool, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)


@pytest.mark.usefixtures("_on_today")
def test_a_member_sees_the_others_as_another_person_and_only_their_own_invoice(
    pool: Agreement, invoiced: list[Invoice], nadia: User
) -> None:
    margarets, bilals, carols = invoiced

    response = client_for(nadia).get(page(pool))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Bilal Rahman" in body
    assert body.count("Another person") == 2
    assert not {"Margaret", "Carol", "Hollis", "Evans"} & set(body.split())
    assert "Margaret" not in body
    assert bilals.number in body
    assert margarets.number not in body
    assert carols.number not in body
    assert "33.33%" in body
    assert "Download the agreement" not in body


@pytest.mark.usefixtures("_on_today")
def test_a_member_cannot_see_another_members_invoice_or_money_page(
    pool: Agreement, invoiced: list[Invoice], nadia: User, carol: DirectPaymentHolder
) -> None:
    margarets, bilals, carols = invoiced
    client = client_for(nadia)

    own = client.get(reverse("agreements:invoice", args=[bilals.uuid]))
    assert own.status_code == 200
    assert "This is one share of £48.00 of support shared with other people" in own.content.decode()
    assert client.get(reverse("agreements:download_invoice", args=[bilals.uuid]))["Content-Type"] == "application/pdf"
    assert client.get(reverse("agreements:invoice", args=[carols.uuid])).status_code == 404
    assert client.get(reverse("agreements:download_invoice", args=[margarets.uuid])).status_code == 404
    assert client.get(reverse("agreements:download", args=[pool.uuid])).status_code == 404
    assert client.get(reverse("budgets:money", args=[carol.uuid])).status_code in (403, 404)


@pytest.mark.usefixtures("_on_today")
def test_each_money_page_lists_only_that_holders_share(
    pool: Agreement, invoiced: list[Invoice], nadia: User, bilal: DirectPaymentHolder
) -> None:
    margarets, bilals, carols = invoiced

    body = client_for(nadia).get(reverse("budgets:money", args=[bilal.uuid])).content.decode()

    assert bilals.number in body
    assert margarets.number not in body
    assert carols.number not in body


@pytest.mark.usefixtures("_on_today")
def test_the_provider_and_a_commissioner_see_every_member_and_invoice(
    pool: Agreement, invoiced: list[Invoice], provider_owner: User
) -> None:
    commissioner = CommissionerFactory()
    for client, url in (
        (client_for(provider_owner), reverse("agreements:provider_agreement", args=[pool.uuid])),
        (client_for(commissioner), page(pool)),
    ):
        body = client.get(url).content.decode()
        assert all(name in body for name in ("Bilal Rahman", "Carol Evans", "Margaret Hollis"))
        assert all(invoice.number in body for invoice in invoiced)


@pytest.mark.usefixtures("_on_today")
def test_another_provider_a_stranger_and_a_signed_out_visitor_see_nothing(
    pool: Agreement, invoiced: list[Invoice], other_provider_owner: User, stranger: User
) -> None:
    member_uuid = member(pool, pool.holder).uuid
    urls = [
        page(pool),
        reverse("agreements:provider_agreement", args=[pool.uuid]),
        reverse("agreements:invoice", args=[invoiced[1].uuid]),
        reverse("agreements:pool_shares", args=[pool.uuid]),
        reverse("agreements:provider_pool_invite", args=[pool.uuid]),
        reverse("agreements:pool_invite", args=[pool.uuid]),
        reverse("agreements:pool_leave", args=[member_uuid]),
    ]
    for user in (other_provider_owner, stranger):
        client = client_for(user)
        assert [client.get(url).status_code for url in urls] == [404] * len(urls)
        assert client.post(reverse("agreements:pool_join", args=[member_uuid])).status_code == 404
    signed_out = client_for(None)
    assert all(signed_out.get(url).status_code == 302 for url in urls)


@pytest.mark.usefixtures("_on_today")
def test_someone_who_may_only_see_a_members_support_cannot_answer_for_them(
    agreement: Agreement, provider_owner: User, bilal: DirectPaymentHolder
) -> None:
    invited = invite(agreement, bilal, provider_owner)
    watcher = verified_user("watch@example.org", "Wanda", "Watch")
    ActingFor.objects.create(
        agent=watcher, holder=bilal, relationship=ActingFor.Relationship.ADVOCATE, started_on=TODAY
    )
    client = client_for(watcher)

    assert client.get(page(agreement)).status_code == 200  # an invited member's side reads the terms
    assert client.post(reverse("agreements:pool_join", args=[invited.uuid])).status_code == 404
    invited.refresh_from_db()
    assert invited.status == PoolMember.Status.INVITED


@pytest.mark.usefixtures("_on_today")
def test_joining_through_the_page(
    agreement: Agreement, provider_owner: User, bilal: DirectPaymentHolder, nadia: User
) -> None:
    invited = invite(agreement, bilal, provider_owner)
    client = client_for(nadia)
    assert "Join the shared support" in client.get(page(agreement)).content.decode()

    response = client.post(reverse("agreements:pool_join", args=[invited.uuid]))

    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.status == PoolMember.Status.JOINED


@pytest.mark.usefixtures("_on_today")
def test_the_provider_invites_from_the_people_it_knows(
    agreement: Agreement, provider_owner: User, bilal: DirectPaymentHolder, carol: DirectPaymentHolder
) -> None:
    client = client_for(provider_owner)
    url = reverse("agreements:provider_pool_invite", args=[agreement.uuid])
    assert "Carol Evans" in client.get(url).content.decode()

    missing = client.post(url, {"holder": "", "shares_from_day": "", "shares_from_month": "", "shares_from_year": ""})
    assert missing.status_code == 400
    assert "govuk-error-summary" in missing.content.decode()
    assert "Select the person to invite." in missing.content.decode()
    past = TODAY - timedelta(days=1)
    response = client.post(
        url,
        {"holder": str(carol.uuid), "shares_from_day": past.day, "shares_from_month": past.month,
         "shares_from_year": past.year},
    )  # fmt: skip
    assert response.status_code == 400
    assert "today at the earliest" in response.content.decode()
    assert f'value="{carol.uuid}" checked' in response.content.decode()
    response = client.post(
        url,
        {"holder": str(carol.uuid), "shares_from_day": TODAY.day, "shares_from_month": TODAY.month,
         "shares_from_year": TODAY.year},
    )  # fmt: skip
    assert response.status_code == 302
    assert member(agreement, carol).status == PoolMember.Status.INVITED


@pytest.mark.usefixtures("_on_today")
def test_a_holder_side_without_the_money_right_may_not_invite(
    agreement: Agreement, agree_only: User, family: User
) -> None:
    url = reverse("agreements:pool_invite", args=[agreement.uuid])

    assert client_for(agree_only).get(url).status_code == 403
    assert client_for(family).get(url).status_code == 200


@pytest.mark.usefixtures("_on_today")
def test_shares_that_do_not_add_up_get_an_error_summary_and_keep_what_was_typed(
    pool: Agreement, provider_owner: User
) -> None:
    client = client_for(provider_owner)
    url = reverse("agreements:pool_shares", args=[pool.uuid])
    members = list(pool.pool_members.order_by("invited_at", "pk"))
    data = {"how": "set", **{f"share_{m.pk}": value for m, value in zip(members, ["50", "30", "10"], strict=True)}}

    response = client.post(url, data)

    body = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in body
    assert "They add up to 90%" in body
    assert 'value="10"' in body
    bad = client.post(url, {**data, f"share_{members[2].pk}": "lots"})
    assert "Enter a percentage" in bad.content.decode()
    assert client.post(url, {**data, f"share_{members[2].pk}": "20"}).status_code == 302
    assert [m.share_parts for m in pool.pool_members.order_by("invited_at", "pk")] == [5000, 3000, 2000]
    assert client.post(url, {"how": "equal"}).status_code == 302
    assert [m.share_parts for m in pool.pool_members.order_by("invited_at", "pk")] == [1, 1, 1]


@pytest.mark.usefixtures("_on_today")
def test_leaving_through_the_page_with_an_individual_agreement_proposed(
    pool: Agreement, carol: DirectPaymentHolder
) -> None:
    client = client_for(carol.user)
    url = reverse("agreements:pool_leave", args=[member(pool, carol).uuid])
    bad = client.post(url, {"last_day_day": "40", "last_day_month": "3", "last_day_year": "2026"})
    assert bad.status_code == 400
    assert "govuk-error-summary" in bad.content.decode()

    response = client.post(
        url,
        {"last_day_day": TODAY.day, "last_day_month": TODAY.month, "last_day_year": TODAY.year, "individual": "on"},
    )

    own = Agreement.objects.get(holder=carol, is_pooled=False)
    assert response.status_code == 302
    assert response["Location"] == page(own)
    assert member(pool, carol).status == PoolMember.Status.LEFT


@pytest.mark.usefixtures("_on_today")
def test_the_your_support_page_lists_the_shared_agreement_for_a_member(
    pool: Agreement, carol: DirectPaymentHolder
) -> None:
    body = client_for(carol.user).get(reverse("engagement:home")).content.decode()

    assert page(pool) in body
    assert "Shared" in body


@pytest.mark.usefixtures("_on_today")
def test_the_agreement_page_runs_a_fixed_number_of_queries_whatever_the_pool_size(
    pool: Agreement, provider_owner: User, nadia: User, personal_care: Any
) -> None:
    def count(user: User, url: str) -> int:
        client = client_for(user)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    holder_url, provider_url = page(pool), reverse("agreements:provider_agreement", args=[pool.uuid])
    approved(pool, provider_owner, TODAY)
    services.invoices_issue(agreement=pool, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)
    small = (count(nadia, holder_url), count(provider_owner, provider_url))
    for number in range(3):
        extra = _holder(f"extra{number}@example.org", f"Extra{number}", "Person")
        pools.pool_join(member=invite(pool, extra, provider_owner), by=extra.user, today=TODAY, now=NOW)
    approved(pool, provider_owner, TODAY - timedelta(days=0), quantity="2")
    services.invoices_issue(agreement=pool, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)

    assert (count(nadia, holder_url), count(provider_owner, provider_url)) == small


@pytest.mark.usefixtures("_on_today")
def test_the_invite_shares_and_invoice_pages_run_a_fixed_number_of_queries(
    pool: Agreement, provider_owner: User, carol: DirectPaymentHolder, personal_care: Any
) -> None:
    def counts() -> list[int]:
        client = client_for(provider_owner)
        invoice = Invoice.objects.filter(agreement=pool).latest("pk")
        urls = [
            reverse("agreements:provider_pool_invite", args=[pool.uuid]),
            reverse("agreements:pool_shares", args=[pool.uuid]),
            reverse("agreements:invoice", args=[invoice.uuid]),
        ]
        found = []
        for url in urls:
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    approved(pool, provider_owner, TODAY)
    services.invoices_issue(agreement=pool, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)
    small = counts()
    for number in range(3):
        known = _holder(f"known{number}@example.org", f"Known{number}", "Person")
        send_enquiry(known, [pool.provider], known.user, personal_care)
        joined = _holder(f"joined{number}@example.org", f"Joined{number}", "Person")
        pools.pool_join(member=invite(pool, joined, provider_owner), by=joined.user, today=TODAY, now=NOW)
    for quantity in ("1", "2"):
        approved(pool, provider_owner, TODAY, quantity=quantity)
    services.invoices_issue(agreement=pool, by=provider_owner, up_to=TODAY, today=TODAY, now=NOW)

    assert counts() == small


@pytest.mark.usefixtures("_on_today")
def test_a_commissioner_sees_a_pool_but_answers_for_nobody_in_it(
    agreement: Agreement, provider_owner: User, bilal: DirectPaymentHolder
) -> None:
    invited = invite(agreement, bilal, provider_owner)
    client = client_for(CommissionerFactory())

    assert client.get(page(agreement)).status_code == 200
    assert client.post(reverse("agreements:pool_join", args=[invited.uuid])).status_code == 404
    assert client.get(reverse("agreements:pool_shares", args=[agreement.uuid])).status_code == 404
    assert client.get(reverse("agreements:pool_invite", args=[agreement.uuid])).status_code == 403
    invited.refresh_from_db()
    assert invited.status == PoolMember.Status.INVITED
