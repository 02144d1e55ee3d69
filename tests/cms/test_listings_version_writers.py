"""Who gives the listings a new version (decision 0045): the services that write what a cached public page
shows call `listings_changed` themselves; receivers in cms/invalidation.py watch only what Wagtail writes."""

from typing import Any

import pytest

from cms.invalidation import WATCHED_MODELS
from marketplace.accreditation.models import ProviderCheck
from marketplace.accreditation.services import check_reject, worker_add, worker_remove
from marketplace.payments.gateway import AccountSnapshot
from marketplace.payments.services import payment_account_connect
from marketplace.providers.models import Provider
from marketplace.reviews import services as reviews
from marketplace.reviews.models import Moderation
from search.versioning import listings_version
from tests.factories import CommissionerFactory, ProviderCheckFactory, ProviderFactory
from tests.reviews.conftest import NOW, People, make_agreement, people  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def snapshot(*, ready: bool) -> AccountSnapshot:
    status = "active" if ready else "inactive"
    return AccountSnapshot(
        account_id="acct_willow",
        charges_enabled=ready,
        payouts_enabled=ready,
        details_submitted=True,
        card_payments_status=status,
        transfers_status=status,
    )


def test_no_model_a_service_writes_is_watched() -> None:
    """Their services call listings_changed: a receiver as well would be a second way for the same write."""
    service_written = {"Provider", "ProviderPrice", "ProviderLocation", "Review", "Worker", "ProviderCheck"}
    assert not service_written & {name for _label, name in WATCHED_MODELS}
    assert ("payments", "PaymentAccount") not in WATCHED_MODELS


def test_a_worker_added_or_removed_gives_a_new_version() -> None:
    provider = ProviderFactory(kind=Provider.Kind.MICRO_PROVIDER, status=Provider.Status.PUBLISHED)
    before = listings_version()
    worker = worker_add(provider=provider, full_name="Sam Carter")
    added = listings_version()
    worker_remove(worker=worker)
    assert len({before, added, listings_version()}) == 3


def test_a_decision_on_a_check_gives_a_new_version() -> None:
    check = ProviderCheckFactory(status=ProviderCheck.Status.SUBMITTED)
    before = listings_version()
    check_reject(provider_check=check, by=CommissionerFactory(), reason="The policy has lapsed.")
    assert listings_version() != before


def test_a_published_review_and_reply_give_a_new_version(people: People) -> None:  # noqa: F811 (the fixture)
    commissioner = CommissionerFactory()
    review = reviews.review_write(
        agreement=make_agreement(people.holder, people.provider),
        by=people.holder.user,
        rating=5,
        text="Asha was kind, on time and listened to what I wanted.",
        author_name="Margaret",
        now=NOW,
    )
    before = listings_version()
    reviews.review_moderate(review=review, by=commissioner, decision=Moderation.PUBLISHED, now=NOW)
    published = listings_version()
    reviews.review_reply(review=review, by=people.owner, text="Thank you, Margaret: it was a pleasure.", now=NOW)
    assert listings_version() == published  # a reply waiting for moderation shows nowhere yet
    reviews.review_reply_moderate(review=review, by=commissioner, decision=Moderation.PUBLISHED, now=NOW)
    assert len({before, published, listings_version()}) == 3


def test_a_payment_account_gives_a_new_version_only_when_it_can_or_can_no_longer_be_paid_online() -> None:
    provider: Any = ProviderFactory(status=Provider.Status.PUBLISHED)
    before = listings_version()
    account = payment_account_connect(provider=provider, snapshot=snapshot(ready=False))
    assert listings_version() == before  # not payable before, not payable now: the profile is the same

    payment_account_connect(provider=provider, snapshot=snapshot(ready=True))
    payable = listings_version()
    assert payable != before

    account.refresh_from_db()
    assert account.can_be_paid_online
    payment_account_connect(provider=provider, snapshot=snapshot(ready=True))
    assert listings_version() == payable


def test_what_wagtail_writes_is_a_change_to_no_listing_unless_a_listing_reads_it(council: Any, home_page: Any) -> None:
    """Each worker keeps what it drew of the listings through a change to no listing (decision 0053)."""
    from search.models import ListingsChange
    from tests.factories import LocalityFactory, ServiceTypeFactory

    def latest() -> list[int] | None:
        return ListingsChange.objects.get(token=listings_version()).provider_ids  # type: ignore[no-any-return]

    council.council_name = "Wendleshire Council"
    council.save()
    assert latest() == []
    home_page.save_revision().publish()
    assert latest() == []

    service = ServiceTypeFactory(name="Gardening")  # its slug is in the listings' prices
    assert latest() is None
    council.save()
    assert latest() == []
    service.name = "Gardening and odd jobs"
    service.save()
    assert latest() is None
    LocalityFactory()  # a listing shows its locality's name
    assert latest() is None
