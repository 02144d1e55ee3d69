"""The demo's reviews, back-up plans and absence, made for agreements that exist (here made by the factories)."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from marketplace.backups.models import Absence, BackupChoice, CannotCome
from marketplace.backups.selectors import holder_current_alerts
from marketplace.demo.reviews_and_backups import build_reviews_and_backups_demo, reviews_and_backups_demo_clear
from marketplace.engagement.models import ShortlistEntry
from marketplace.reviews.models import Moderation, Review
from marketplace.reviews.selectors import published_reviews, reviewable_for
from tests.factories import (
    AgreementFactory,
    DirectPaymentHolderFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    TimesheetEntryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.get_default_timezone())


def test_without_agreements_the_demo_makes_nothing(commissioner_user) -> None:
    result = build_reviews_and_backups_demo(seed=2026, today=TODAY, now=NOW, commissioner=commissioner_user)
    assert result.reviews == result.backup_choices == result.absences == 0
    assert not Review.objects.exists()
    assert not Absence.objects.exists()


def test_with_agreements_it_makes_published_reviews_with_replies_one_waiting_back_ups_and_one_absence(
    commissioner_user,
) -> None:
    margaret = DirectPaymentHolderFactory(user=UserFactory(email="dp-holder@demo.example"))
    providers = [ProviderFactory() for _ in range(6)]
    for provider in providers:
        ProviderMembershipFactory(provider=provider)
    holders = [DirectPaymentHolderFactory() for _ in range(24)]
    for index, holder in enumerate(holders):
        agreement = AgreementFactory(holder=holder, provider=providers[index % len(providers)])
        TimesheetEntryFactory(agreement=agreement, status="approved")
        for other in providers[:3]:
            if other != agreement.provider:
                ShortlistEntry.objects.create(holder=holder, provider=other)
    her_agreement = AgreementFactory(holder=margaret, provider=providers[0])
    TimesheetEntryFactory(agreement=her_agreement, status="approved")
    ShortlistEntry.objects.create(holder=margaret, provider=providers[1])

    result = build_reviews_and_backups_demo(seed=2026, today=TODAY, now=NOW, commissioner=commissioner_user)

    assert result.published >= 5
    assert result.replies >= 2
    assert result.waiting == Review.objects.filter(status=Moderation.PENDING).count() == 1
    assert result.backup_choices == BackupChoice.objects.count() > 0
    assert BackupChoice.objects.filter(agreement=her_agreement).exists()
    # The demo holder is left a provider to review, and sees the absence with her back-ups.
    assert [row.provider for row in reviewable_for(margaret)] == [providers[0]]
    [alert] = holder_current_alerts(margaret, today=TODAY)
    assert alert.cause == CannotCome.Cause.ABSENCE
    assert Absence.objects.get().provider == providers[0]
    assert CannotCome.objects.count() == result.alerts == 5  # every live agreement with that provider
    # What the profile shows agrees with the rows.
    for provider in providers:
        profile = published_reviews(provider=provider)
        assert profile.count == Review.objects.filter(provider=provider, status=Moderation.PUBLISHED).count()

    reviews_and_backups_demo_clear()
    assert not Review.objects.exists()
    assert not CannotCome.objects.exists()
