"""Adverts for personal assistants in the demo county, with applications and replies.

Called once at the end of `builder.demo_county_build`. About one holder in
five has advertised for a personal assistant: most adverts are open with a
few applications, some closed once filled, some expired. The demo holder
(`dp-holder@demo.example`) has an open advert that her son posted for her
(so applicants see "posted by David Hollis on behalf of Margaret Hollis"),
with one applicant already; `pa@demo.example`'s listing also covers her
locality, so it fits that advert, two more open ones and any she posts.

Rows are written directly (no emails are sent), with what the services
would have recorded. Deterministic for a seed; dates count back from `today`.

The personal assistants an advert fits are found in memory, by the rule of
`adverts.selectors.personal_assistants_fitting` (a district the listing names
or a locality it serves, and at least one shared slot), from the published
listings read once in the selector's order: one query per advert was most of
this step's time. A test checks that both give the same listings for every
advert. Above scale 1 the share of holders who advertise is divided by the
scale, so the county keeps about the scale-1 number of adverts (decision 0046).
"""

import random
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction

from marketplace.accounts.models import DirectPaymentHolder, User
from marketplace.adverts.models import Advert, AdvertApplication, AdvertMessage
from marketplace.places.models import Place
from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import Provider, ProviderMembership, ServiceType

ADVERT_SHARE = 0.2
OPEN_DAYS = 28
TITLES = [
    "Personal assistant for morning personal care",
    "Help at home and getting out in the afternoons",
    "Evening support with meals and medication prompts",
    "Someone to support me at college and in the community",
    "Weekend personal assistant for outings",
    "Personal assistant for overnight support",
    "Help with shopping, cleaning and appointments",
]
SERVICE_CHOICES = [
    ("personal-care",),
    ("personal-care", "domestic-help"),
    ("social-and-leisure",),
    ("domestic-help",),
    ("respite-and-short-breaks",),
]
APPLICATION_MESSAGES = [
    "I have supported older people at home for six years and live nearby. I drive and have an enhanced DBS.",
    "I am a qualified care worker looking for regular hours. I would love to hear more about what matters to you.",
    "I work as a personal assistant for two people already and have mornings free. Happy to meet first.",
    "I speak Gujarati and English and have experience with dementia support.",
]
REPLIES = [
    "Thank you, that sounds promising. Could you do a trial morning next week?",
    "Thanks for applying. Are you able to help with swimming on Thursdays?",
]


class FittingAssistants:
    """Published personal assistant listings, held in memory to find those an advert fits.

    The same rule as `personal_assistants_fitting`, in that query's order (by
    name, then id), and each listing's first team member (by email, users' order) as the
    applicant, as `User.objects.filter(provider_memberships__provider=...).first()` gives.
    """

    def __init__(self) -> None:
        self.listings: list[Provider] = list(
            Provider.objects.published()
            .filter(kind=Provider.Kind.PERSONAL_ASSISTANT)
            .only("pk", "name", "postcode_districts_served", "availability_mask")
            .order_by("name", "pk")
        )
        self.position = {listing.pk: index for index, listing in enumerate(self.listings)}
        self.by_district: dict[str, set[int]] = defaultdict(set)
        for index, listing in enumerate(self.listings):
            for district in (listing.postcode_districts_served or "").upper().split(" "):
                if district:
                    self.by_district[district].add(index)
        self.by_locality: dict[int, set[int]] = defaultdict(set)
        through = Provider.localities_served.through
        for provider_id, locality_id in through.objects.filter(provider_id__in=self.position).values_list(
            "provider_id", "locality_id"
        ):
            self.by_locality[locality_id].add(self.position[provider_id])
        self.applicants: dict[int, User] = {}
        for membership in (
            ProviderMembership.objects.filter(provider_id__in=self.position)
            .select_related("user")
            .order_by("user__email", "user_id")
        ):
            self.applicants.setdefault(membership.provider_id, membership.user)

    def fitting(self, advert: Advert) -> list[Provider]:
        indexes = set(self.by_district.get(advert.postcode_district.upper(), ()))
        if advert.locality_id:
            indexes |= self.by_locality.get(advert.locality_id, set())
        return [
            self.listings[index]
            for index in sorted(indexes)
            if self.listings[index].availability_mask & advert.availability_mask > 0
        ]

    def applicant(self, provider: Provider) -> User | None:
        return self.applicants.get(provider.pk)

    def served(self, provider_id: int, locality_id: int) -> None:
        """The demo PA now serves this locality too (written by the caller)."""
        if provider_id in self.position:
            self.by_locality[locality_id].add(self.position[provider_id])


@transaction.atomic
def build_adverts_demo(*, seed: int, today: date, now: datetime, scale: float = 1.0) -> int:
    """Write the demo adverts and applications; returns how many adverts."""
    rng = random.Random(f"adverts-{seed}")
    share = ADVERT_SHARE / max(1.0, scale)
    assistants = FittingAssistants()
    # The planner's time of day on its `today`, so every date here counts back from the same day.
    now = datetime.combine(today, now.timetz())
    services = {service.slug: service for service in ServiceType.objects.all()}
    districts_by_locality: dict[int, list[Place]] = {}
    for place in Place.objects.filter(kind=Place.Kind.DISTRICT, locality__isnull=False).order_by("name"):
        districts_by_locality.setdefault(place.locality_id, []).append(place)  # type: ignore[arg-type]
    if not services or not districts_by_locality:
        return 0

    count = 0
    holders = list(
        DirectPaymentHolder.objects.filter(locality__isnull=False)
        .exclude(user__email__endswith="@demo.example")
        .select_related("user")
        .order_by("pk")
    )
    for holder in holders:
        if rng.random() >= share or holder.locality_id not in districts_by_locality:
            continue
        poster = (
            holder.user or User.objects.filter(acting_for__holder=holder, acting_for__may_post_adverts=True).first()
        )
        if poster is None:
            continue
        district = rng.choice(districts_by_locality[holder.locality_id])
        published_days_ago = rng.choice([2, 5, 9, 14, 20, 26, 35, 60])
        advert = _advert(
            rng,
            holder=holder,
            poster=poster,
            district=district,
            services=services,
            today=today,
            now=now,
            published_days_ago=published_days_ago,
        )
        if published_days_ago >= OPEN_DAYS:
            filled = rng.random() < 0.5
            advert.status = Advert.Status.CLOSED if filled else Advert.Status.EXPIRED
            advert.closed_at = now - timedelta(days=published_days_ago - (12 if filled else OPEN_DAYS))
            advert.closed_by = poster if filled else None
            advert.close_reason = "Found a personal assistant" if filled else "Reached its closing date"
            advert.save()
        _applications(
            rng,
            advert,
            assistants.fitting(advert),
            assistants,
            poster=poster,
            now=now,
            limit=rng.choice([0, 1, 2, 2, 3, 4]),
        )
        count += 1

    count += _demo_holder_adverts(
        rng, assistants, services=services, districts_by_locality=districts_by_locality, today=today, now=now
    )
    Advert.objects.update(matches_notified_at=now)  # the demo county's first daily run emails only new adverts
    return count


def _advert(
    rng: random.Random,
    *,
    holder: DirectPaymentHolder,
    poster: User,
    district: Place,
    services: dict[str, ServiceType],
    today: date,
    now: datetime,
    published_days_ago: int,
    availability: WeeklyAvailability | None = None,
    title: str | None = None,
) -> Advert:
    if availability is None:
        days = rng.sample(list(Day), rng.randint(2, 5))
        parts = rng.sample([PartOfDay.MORNING, PartOfDay.AFTERNOON, PartOfDay.EVENING], rng.randint(1, 2))
        availability = WeeklyAvailability.from_slots((day, part) for day in days for part in parts)
    published_at = now - timedelta(days=published_days_ago)
    advert = Advert.objects.create(
        holder=holder,
        posted_by=poster,
        status=Advert.Status.OPEN,
        title=title or rng.choice(TITLES),
        postcode_district=district.name.upper(),
        locality_id=district.locality_id,
        availability_mask=availability.mask,
        hours_per_week=rng.choice([4, 6, 8, 10, 12, 15, 20, 25]),
        hourly_rate_pence=rng.choice([1250, 1300, 1350, 1400, 1450, 1500, 1600, 1750]),
        employment=rng.choice(
            [
                Advert.Employment.EMPLOYED,
                Advert.Employment.EMPLOYED,
                Advert.Employment.EITHER,
                Advert.Employment.SELF_EMPLOYED,
            ]
        ),
        needs_dbs_check=rng.random() < 0.8,
        needs_driver=rng.random() < 0.35,
        worker_gender=rng.choice(["", "", "", Advert.WorkerGender.FEMALE, Advert.WorkerGender.MALE]),
        created_at=published_at - timedelta(hours=2),
        published_at=published_at,
        published_by=poster,
        closes_on=today - timedelta(days=published_days_ago) + timedelta(days=OPEN_DAYS),
    )
    chosen = [services[slug] for slug in rng.choice(SERVICE_CHOICES) if slug in services] or [
        next(iter(services.values()))
    ]
    advert.services.set(chosen)
    return advert


def _applications(
    rng: random.Random,
    advert: Advert,
    fitting: Iterable[Provider],
    assistants: FittingAssistants,
    *,
    poster: User,
    now: datetime,
    limit: int,
    exclude: set[int] | None = None,
) -> list[AdvertApplication]:
    candidates = [provider for provider in fitting if provider.pk not in (exclude or set())]
    rng.shuffle(candidates)
    made = []
    for index, provider in enumerate(candidates[:limit]):
        applicant = assistants.applicant(provider)
        assert advert.published_at is not None
        applied_at: datetime = advert.published_at + timedelta(hours=6 + 20 * index)
        if applied_at >= now:
            break
        status = AdvertApplication.Status.APPLIED
        if advert.status != Advert.Status.OPEN or rng.random() < 0.3:
            status = rng.choice([AdvertApplication.Status.SHORTLISTED, AdvertApplication.Status.DECLINED])
        application = AdvertApplication.objects.create(
            advert=advert,
            provider=provider,
            applicant=applicant,
            status=status,
            created_at=applied_at,
            decided_at=applied_at + timedelta(hours=20) if status != AdvertApplication.Status.APPLIED else None,
            decided_by=poster if status != AdvertApplication.Status.APPLIED else None,
        )
        AdvertMessage.objects.create(
            application=application,
            sender=applicant,
            is_from_advertiser=False,
            body=rng.choice(APPLICATION_MESSAGES),
            sent_at=applied_at,
        )
        if status == AdvertApplication.Status.SHORTLISTED:
            AdvertMessage.objects.create(
                application=application,
                sender=poster,
                is_from_advertiser=True,
                on_behalf_of=None if advert.holder.user_id == poster.pk else advert.holder,
                body=rng.choice(REPLIES),
                sent_at=applied_at + timedelta(hours=20),
            )
        made.append(application)
    return made


def _demo_holder_adverts(
    rng: random.Random,
    assistants: FittingAssistants,
    *,
    services: dict[str, ServiceType],
    districts_by_locality: dict[int, list[Place]],
    today: date,
    now: datetime,
) -> int:
    """Margaret's open advert near home (posted by David, one applicant) and two more in the demo PA's area.

    The demo PA also covers Margaret's locality, so an advert she posts on the
    demo reaches them (issue 11's journey (c) works with the demo logins).
    """
    holder = DirectPaymentHolder.objects.filter(user__email="dp-holder@demo.example").select_related("user").first()
    family = User.objects.filter(email="family@demo.example").first()
    pa_membership = ProviderMembership.objects.filter(user__email="pa@demo.example").select_related("provider").first()
    if holder is None or family is None or pa_membership is None or holder.locality_id not in districts_by_locality:
        return 0
    pa_listing: Provider = pa_membership.provider
    Provider.localities_served.through.objects.get_or_create(provider_id=pa_listing.pk, locality_id=holder.locality_id)
    assistants.served(pa_listing.pk, holder.locality_id)
    district_names = pa_listing.postcode_districts or []
    places = {place.name.upper(): place for places in districts_by_locality.values() for place in places}
    fitting_places = [places[name.upper()] for name in district_names if name.upper() in places]
    if not fitting_places or not pa_listing.availability_mask:
        return 0
    # Slots the demo PA works, so the adverts fit their availability.
    pa_slots = WeeklyAvailability(pa_listing.availability_mask).slots()
    availability = WeeklyAvailability.from_slots(pa_slots[: max(2, len(pa_slots) // 2)])
    home_district = districts_by_locality[holder.locality_id][0]
    margaret = _advert(
        rng,
        holder=holder,
        poster=family,
        district=home_district,
        services=services,
        today=today,
        now=now,
        published_days_ago=4,
        availability=availability,
        title="Personal assistant for morning personal care",
    )
    if "personal-care" in services:
        margaret.services.set([services["personal-care"]])
    margaret.hours_per_week = 10
    margaret.hourly_rate_pence = 1450
    margaret.needs_dbs_check = True
    margaret.description = (
        "Help getting up, washed and dressed, and breakfast. I like a chat about gardening and the radio."
    )
    margaret.save()
    _applications(
        rng,
        margaret,
        assistants.fitting(margaret),
        assistants,
        poster=family,
        now=now,
        limit=1,
        exclude={pa_listing.pk},
    )
    others = DirectPaymentHolder.objects.exclude(pk=holder.pk).exclude(user__isnull=True).order_by("pk")[:2]
    for index, other in enumerate(others):
        _advert(
            rng,
            holder=other,
            poster=other.user,  # type: ignore[arg-type]  # the query excludes holders without a user
            district=fitting_places[min(index + 1, len(fitting_places) - 1)],
            services=services,
            today=today,
            now=now,
            published_days_ago=1 + 6 * index,
            availability=availability,
        )
    return 1 + len(others)
