"""Build Wendleshire, the demo county: places, providers, people, settings and advice.

Everything follows from the seed, so the same seed and scale give the same
county (dates are counted back from today). At scale 1 the county has the
numbers in DOMAIN.md: about 1,300 personal assistants, 250 micro-providers and
home care agencies, 70 day services and a few others; every count scales
linearly, so scale 10 is about 16,000 listings for benchmarks.

Rows are written with bulk_create in one transaction for speed, then the
providers' search columns are set with the providers service, exactly as an
edit in the admin would set them.
"""

import functools
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from marketplace.accounts.models import (
    DEFAULT_RIGHTS,
    RIGHT_FIELDS,
    ActingFor,
    DirectPaymentHolder,
    User,
    right_fields,
)
from marketplace.accounts.roles import COMMISSIONERS, EDITORS
from marketplace.accounts.services import account_email_mark_verified, mfa_totp_activate
from marketplace.contingency.models import ContingencyFlag
from marketplace.core.clock import moment_on
from marketplace.insights.services import insights_change_log_empty
from marketplace.monitoring.models import MonitoringVisit
from marketplace.payments.models import Dispute, Payment, PaymentAccount, Payout, Refund
from marketplace.places.models import Locality, Place
from marketplace.places.services import places_load_postcodes, places_load_towns, read_locality_map
from marketplace.providers.availability import Day, PartOfDay, WeeklyAvailability
from marketplace.providers.models import (
    STALE_AVAILABILITY_DAYS,
    Provider,
    ProviderLocation,
    ProviderMembership,
    ProviderPrice,
    ProviderStatusChange,
)
from marketplace.providers.services import provider_refresh_search_fields

from . import text
from .accreditation import accreditation_demo_clear, build_accreditation_demo
from .adverts import build_adverts_demo
from .agreements import agreements_demo_clear, build_agreements_demo
from .alerts import build_saved_searches_demo
from .budgets import budgets_demo_clear, build_budgets_demo
from .content import advice_pages_create, council_settings_configure
from .contingency import build_contingency_demo
from .engagement import build_engagement_demo
from .monitoring import build_monitoring_demo
from .names import NameGenerator, Person
from .reviews_and_backups import build_reviews_and_backups_demo, reviews_and_backups_demo_clear
from .taxonomy import CLIENT_GROUPS, LANGUAGES, SERVICES, SPECIALISMS, TaxonomyIds, taxonomy_ensure_terms

Kind = Provider.Kind
Status = Provider.Status
T = TypeVar("T")

PLACES_DATA_DIR = Path(__file__).resolve().parent.parent / "places" / "data"
DEMO_PLACES_FILE = PLACES_DATA_DIR / "demo_county_places.csv"
DEMO_LOCALITY_MAP_FILE = PLACES_DATA_DIR / "demo_county_localities.csv"
DEMO_TOWNS_FILE = PLACES_DATA_DIR / "demo_county_towns.csv"

DEFAULT_SEED = 2026
PROVIDERS_AT_SCALE_ONE: dict[str, int] = {
    Kind.PERSONAL_ASSISTANT: 1300,
    Kind.MICRO_PROVIDER: 150,
    Kind.HOME_CARE_AGENCY: 100,
    Kind.DAY_SERVICE: 70,
    Kind.OTHER: 8,
}
# DOMAIN.md: about 2,700 direct payment holders in a county, by primary need 40/24/20/16%.
DIRECT_PAYMENT_HOLDERS_AT_SCALE_ONE = 2700
PRIMARY_NEED_SHARES: dict[str, float] = {
    DirectPaymentHolder.PrimaryNeed.OLDER_PEOPLE: 0.40,
    DirectPaymentHolder.PrimaryNeed.LEARNING_DISABILITY: 0.24,
    DirectPaymentHolder.PrimaryNeed.PHYSICAL_DISABILITY: 0.20,
    DirectPaymentHolder.PrimaryNeed.MENTAL_HEALTH: 0.16,
}
DEMO_PASSWORD = "demo-password-2026"
# The authenticator app secret (base32) of the demo admin, commissioner and editor (README, "Demo accounts").
DEMO_TOTP_SECRET = "WENDLESHIREDEMOWENDLESHIREDEMO23"
DEMO_EMAIL_DOMAIN = "demo.example"
# Generated people (not the demo logins) sign in nowhere: their passwords are unusable.
PEOPLE_EMAIL_DOMAIN = f"people.{DEMO_EMAIL_DOMAIN}"
SEARCH_REFRESH_BATCH = 1000
# The long steps report how far they are every this many listings.
PROGRESS_EVERY = 5000
RUNNING_REPORT_SECONDS = 5.0
MILES_PER_DEGREE_LATITUDE = 69.1

STATUS_SHARES = {
    Status.PUBLISHED: 0.86,
    Status.DRAFT: 0.04,
    Status.SUBMITTED: 0.05,
    Status.SUSPENDED: 0.02,
    Status.WITHDRAWN: 0.03,
}
ACCREDITED_SHARE_OF_PUBLISHED = 0.40
TAKING_NEW_CLIENTS_SHARE = 0.70
# Personal assistants live where people do: most in or near a town, a few out in the villages.
# Spread evenly over every postcode, they left no village without one within 5 miles (decision 0034).
PERSONAL_ASSISTANT_TOWN_SHARE = 0.85
# Agencies and micro-providers work from offices in towns.
ORGANISATION_TOWN_SHARE = 0.9
# Gaps in rural areas and specialist services (DOMAIN.md): in the rural localities fewer providers
# can take anyone new, and fewer offer the specialist services.
RURAL_TAKING_NEW_CLIENTS_SHARE = 0.45
SPECIALIST_SERVICES = (
    "overnight-support",
    "respite-and-short-breaks",
    "employment-and-education-support",
    "support-with-finances-and-paperwork",
)
RURAL_SPECIALIST_SERVICE_FACTOR = 0.3
STALE_AVAILABILITY_SHARE = 0.25
CONTACT_CONSENT_SHARE = 0.80
# CQC ratings of local providers (DOMAIN.md): 87% good or outstanding, 12% requires improvement, 1% inadequate.
CQC_RATING_SHARES = {
    Provider.CqcRating.OUTSTANDING: 0.05,
    Provider.CqcRating.GOOD: 0.82,
    Provider.CqcRating.REQUIRES_IMPROVEMENT: 0.12,
    Provider.CqcRating.INADEQUATE: 0.01,
}
CQC_REGISTERED_SHARE: dict[str, float] = {
    Kind.HOME_CARE_AGENCY: 1.0,
    Kind.DAY_SERVICE: 0.35,
    Kind.MICRO_PROVIDER: 0.12,
}
CQC_NOT_YET_RATED_SHARE = 0.06

SERVICE_CHANCES: dict[str, dict[str, float]] = {
    Kind.PERSONAL_ASSISTANT: {
        "personal-care": 0.75,
        "domestic-help": 0.5,
        "shopping-and-meal-preparation": 0.5,
        "companionship": 0.55,
        "social-and-leisure": 0.45,
        "medication-support": 0.35,
        "sitting-service": 0.25,
        "travel-support": 0.3,
        "respite-and-short-breaks": 0.15,
        "overnight-support": 0.12,
        "employment-and-education-support": 0.06,
        "support-with-finances-and-paperwork": 0.08,
    },
    Kind.MICRO_PROVIDER: {
        "personal-care": 0.8,
        "domestic-help": 0.6,
        "shopping-and-meal-preparation": 0.6,
        "companionship": 0.6,
        "social-and-leisure": 0.6,
        "medication-support": 0.5,
        "sitting-service": 0.35,
        "travel-support": 0.35,
        "respite-and-short-breaks": 0.3,
        "overnight-support": 0.2,
        "employment-and-education-support": 0.1,
        "support-with-finances-and-paperwork": 0.15,
    },
    Kind.HOME_CARE_AGENCY: {
        "personal-care": 1.0,
        "medication-support": 0.9,
        "shopping-and-meal-preparation": 0.7,
        "domestic-help": 0.6,
        "companionship": 0.4,
        "sitting-service": 0.3,
        "respite-and-short-breaks": 0.35,
        "overnight-support": 0.35,
        "travel-support": 0.1,
    },
    Kind.DAY_SERVICE: {
        "day-opportunities": 1.0,
        "social-and-leisure": 0.7,
        "travel-support": 0.45,
        "respite-and-short-breaks": 0.35,
        "employment-and-education-support": 0.25,
    },
}
MAIN_SERVICE: dict[str, str] = {
    Kind.PERSONAL_ASSISTANT: "personal-care",
    Kind.MICRO_PROVIDER: "personal-care",
    Kind.HOME_CARE_AGENCY: "personal-care",
    Kind.DAY_SERVICE: "day-opportunities",
}
CLIENT_GROUP_CHANCES: dict[str, dict[str, float]] = {
    Kind.PERSONAL_ASSISTANT: {
        "older-people": 0.7,
        "physical-disability": 0.5,
        "learning-disability": 0.35,
        "mental-health": 0.25,
        "autism": 0.2,
        "sensory-impairment": 0.15,
        "carers": 0.12,
    },
    Kind.MICRO_PROVIDER: {
        "older-people": 0.75,
        "physical-disability": 0.6,
        "learning-disability": 0.45,
        "mental-health": 0.35,
        "autism": 0.3,
        "sensory-impairment": 0.2,
        "carers": 0.2,
    },
    Kind.HOME_CARE_AGENCY: {
        "older-people": 0.95,
        "physical-disability": 0.8,
        "learning-disability": 0.35,
        "mental-health": 0.35,
        "sensory-impairment": 0.4,
        "autism": 0.2,
        "carers": 0.2,
    },
}
# Specialisms follow the people supported: (client group, specialism, chance).
SPECIALISM_CHANCES: tuple[tuple[str, str, float], ...] = (
    ("older-people", "dementia", 0.5),
    ("older-people", "moving-and-handling", 0.3),
    ("older-people", "stroke-recovery", 0.2),
    ("older-people", "parkinsons", 0.15),
    ("older-people", "end-of-life-care", 0.15),
    ("older-people", "diabetes", 0.15),
    ("older-people", "catheter-and-stoma-care", 0.1),
    ("learning-disability", "learning-disability", 0.7),
    ("learning-disability", "epilepsy", 0.3),
    ("learning-disability", "positive-behaviour-support", 0.2),
    ("learning-disability", "peg-feeding", 0.07),
    ("autism", "autism", 0.8),
    ("autism", "positive-behaviour-support", 0.25),
    ("physical-disability", "moving-and-handling", 0.5),
    ("physical-disability", "multiple-sclerosis", 0.15),
    ("physical-disability", "acquired-brain-injury", 0.1),
    ("physical-disability", "peg-feeding", 0.05),
    ("mental-health", "mental-health-recovery", 0.6),
    ("sensory-impairment", "visual-impairment", 0.5),
    ("sensory-impairment", "hearing-loss", 0.5),
)
# Languages an organisation's staff speak, besides English.
ORGANISATION_LANGUAGE_CHANCES = {
    "gujarati": 0.25,
    "punjabi": 0.18,
    "polish": 0.18,
    "urdu": 0.15,
    "hindi": 0.12,
    "romanian": 0.1,
    "british-sign-language": 0.07,
    "arabic": 0.06,
    "bengali": 0.05,
    "somali": 0.03,
}
NAME_WORDS = (
    "Willow",
    "Bluebell",
    "Oak Tree",
    "Acorn",
    "Heather",
    "Meadow",
    "Rowan",
    "Primrose",
    "Harmony",
    "Compass",
    "Lantern",
    "Kindred",
    "Beacon",
    "Orchard",
    "Evergreen",
    "Brookside",
    "Silver Birch",
    "Hawthorn",
    "Foxglove",
    "Sunflower",
    "Kestrel",
    "Riverside",
    "Hillside",
    "Woodland",
    "Cornerstone",
    "Hearthstone",
    "Haven",
    "Thistle",
    "Juniper",
    "Maple",
    "Skylark",
    "Lavender",
    "Honeysuckle",
    "Cedar",
    "Poppy",
    "Wren",
    "Ivy",
    "Rosewood",
    "Larkspur",
    "Bramble",
)
MICRO_PROVIDER_NAMES = (
    "{surname} Care and Support",
    "{word} Community Support",
    "{first}'s Helping Hands",
    "{town} Companions",
    "{word} Care",
    "Kind Hands {town}",
    "{word} Support CIC",
    "{word} Home Support",
    "{surname} and {surname2} Care",
)
AGENCY_NAMES = (
    "{town} Home Care Ltd",
    "{word} Homecare",
    "{surname} Domiciliary Care Ltd",
    "{word} Care Services",
    "{word} Care at Home",
    "Caring Hands {locality}",
    "{word} Homecare ({town})",
)
DAY_SERVICE_TYPES: tuple[dict[str, Any], ...] = (
    {
        "names": ("{town} Friendship Club", "The {word} Day Centre", "{town} Lunch and Social Club"),
        "groups": ("older-people", "physical-disability", "carers"),
        "specialisms": ("dementia", "moving-and-handling"),
        "weight": 0.3,
    },
    {
        "names": ("{town} Dementia Day Club", "{word} Memory Café and Day Club"),
        "groups": ("older-people", "carers"),
        "specialisms": ("dementia",),
        "weight": 0.15,
    },
    {
        "names": ("{town} Asian Elders Day Centre",),
        "groups": ("older-people", "carers"),
        "specialisms": ("dementia", "diabetes"),
        "languages": ("gujarati", "punjabi", "hindi", "urdu"),
        "weight": 0.06,
    },
    {
        "names": (
            "{town} Life Skills Centre",
            "{word} Farm Day Opportunities",
            "The {word} Hub",
            "{town} Arts Studio",
            "{word} Café Training Project",
        ),
        "groups": ("learning-disability", "autism", "physical-disability"),
        "specialisms": ("learning-disability", "autism", "epilepsy", "positive-behaviour-support"),
        "weight": 0.35,
    },
    {
        "names": ("{town} Wellbeing Centre", "The {word} Centre"),
        "groups": ("mental-health", "physical-disability", "sensory-impairment"),
        "specialisms": ("mental-health-recovery", "acquired-brain-injury", "visual-impairment"),
        "weight": 0.14,
    },
)
OTHER_TEMPLATES: tuple[dict[str, Any], ...] = (
    {
        "name": "Wendleshire Community Transport",
        "summary": "Door-to-door minibus and volunteer car journeys for people who cannot use buses.",
        "description": "A charity with accessible minibuses and volunteer drivers. Book at least two days ahead "
        "for journeys to appointments, shops, day services and social activities anywhere in the county.",
        "services": ("travel-support",),
        "groups": ("older-people", "physical-disability", "sensory-impairment"),
        "price": ("travel-support", ProviderPrice.Unit.SESSION, "8.00", "Per return journey within the county."),
    },
    {
        "name": "{locality} Befriending Scheme",
        "summary": "Trained volunteers who visit or phone each week for a chat and company.",
        "description": "We match people who feel lonely with a volunteer befriender who shares their interests. "
        "Visits are usually an hour a week, at home or out for a coffee. The service is free.",
        "services": ("companionship", "social-and-leisure"),
        "groups": ("older-people", "mental-health", "carers"),
    },
    {
        "name": "Wendleshire Advocacy Partnership",
        "summary": "Independent advocacy, including Care Act advocacy, for adults across Wendleshire.",
        "description": "Our advocates help people understand their rights, take part in assessments and care "
        "reviews, and say what they want. Care Act advocacy is free when the council must provide it.",
        "services": ("advocacy", "support-with-finances-and-paperwork"),
        "groups": ("learning-disability", "mental-health", "older-people", "autism"),
    },
    {
        "name": "Wendleshire Carers' Centre",
        "summary": "Information, breaks and a sitting service for unpaid carers.",
        "description": "We support unpaid carers with advice, a carers' emergency card, peer groups and a "
        "sitting service so you can have a few hours to yourself.",
        "services": ("sitting-service", "respite-and-short-breaks"),
        "groups": ("carers",),
        "price": ("sitting-service", ProviderPrice.Unit.HOUR, "16.00", "Minimum two hours; trained sitters."),
    },
    {
        "name": "{town} Men's Shed",
        "summary": "A community workshop where men (and anyone who likes making things) meet, share skills and chat.",
        "description": "Woodwork, repairs and tea in a friendly shed. Open three mornings a week. A small "
        "donation covers materials.",
        "services": ("social-and-leisure",),
        "groups": ("older-people", "mental-health"),
        "price": ("social-and-leisure", ProviderPrice.Unit.SESSION, "3.00", "Covers tea and materials."),
    },
    {
        "name": "{locality} Handyperson Service",
        "summary": "Small repairs, key safes, grab rails and home safety checks for older and disabled people.",
        "description": "Our DBS-checked handypeople fit key safes and grab rails, do small repairs and check "
        "homes for trip hazards, so people can stay safe and independent at home.",
        "services": ("domestic-help",),
        "groups": ("older-people", "physical-disability"),
        "price": ("domestic-help", ProviderPrice.Unit.HOUR, "18.00", "Materials charged at cost."),
    },
)
STREET_FIRST = (
    "Church",
    "Station",
    "Mill",
    "High",
    "Victoria",
    "Park",
    "London",
    "Queen's",
    "King's",
    "Orchard",
    "Meadow",
    "Chapel",
    "School",
    "Manor",
    "Oakfield",
    "Westfield",
    "Beech",
    "Elm",
    "Willow",
    "Brook",
    "Bridge",
    "Market",
    "Spencer",
    "Albert",
)
STREET_SUFFIXES = ("Road", "Street", "Lane", "Close", "Avenue", "Drive", "Way", "Gardens", "Crescent")
PREMISES_NAMES = (
    "{town} Community Centre",
    "St Mary's Church Hall",
    "The Old School House",
    "The Pavilion",
    "Unit {number}, {street} Business Park",
    "The Methodist Hall",
    "{town} Library Annexe",
)
SUSPENSION_REASONS = (
    "Public liability insurance lapsed; suspended until a current certificate is provided.",
    "Safeguarding enquiry opened; listing suspended until it concludes.",
    "Concerns raised at a quality assurance visit; suspended while an action plan is agreed.",
)
INADEQUATE_SUSPENSION_REASON = "CQC rated the service Inadequate; suspended while an action plan is agreed."
WITHDRAWAL_REASONS = (
    "Asked to be removed: retiring.",
    "Has stopped trading.",
    "Moved out of the county.",
    "No longer taking direct payment work.",
)
ACTING_FOR_SHARES = {
    ActingFor.Relationship.FAMILY_MEMBER: 0.65,
    ActingFor.Relationship.AUTHORISED_PERSON: 0.12,
    ActingFor.Relationship.NOMINATED_PERSON: 0.08,
    ActingFor.Relationship.MONEY_MANAGER: 0.06,
    ActingFor.Relationship.CARE_NAVIGATOR: 0.09,
}


class DemoDataError(Exception):
    """The demo county cannot be built here; the message says why and what to do."""


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


@dataclass
class DemoBuildResult:
    providers_by_kind: dict[str, int]
    providers_by_status: dict[str, int]
    accredited: int
    direct_payment_holders: int
    acting_for_links: int
    postcodes: int
    logins: list[DemoLogin]
    seconds: float = 0.0

    @property
    def providers(self) -> int:
        return sum(self.providers_by_kind.values())


def planned_provider_counts(scale: float) -> dict[str, int]:
    """How many providers of each kind a scale gives: linear, and at least one of each."""
    if scale <= 0:
        raise DemoDataError("The scale must be more than 0.")
    return {kind: max(1, round(count * scale)) for kind, count in PROVIDERS_AT_SCALE_ONE.items()}


# --- The county's geography, read back from the places table ------------------------------------------


@dataclass(frozen=True)
class Point:
    postcode: str
    district: str
    latitude: float
    longitude: float
    locality_id: int


def miles_between(latitude_1: float, longitude_1: float, latitude_2: float, longitude_2: float) -> float:
    """Equirectangular distance: accurate to well under 1% across a county."""
    x = (longitude_2 - longitude_1) * math.cos(math.radians((latitude_1 + latitude_2) / 2))
    return math.hypot(x, latitude_2 - latitude_1) * MILES_PER_DEGREE_LATITUDE


class Geography:
    """The demo county's localities, postcodes, districts and towns, held in memory while planning.

    Only the demo localities count, so real places loaded alongside (say a
    council's own ONSPD extract) never receive demo listings.
    """

    def __init__(self, *, locality_names: Iterable[str]) -> None:
        self.localities = {
            locality.pk: locality for locality in Locality.objects.filter(name__in=locality_names).order_by("name")
        }
        self.points: list[Point] = []
        self.points_by_locality: dict[int, list[Point]] = defaultdict(list)
        for name, latitude, longitude, locality_id in (
            Place.objects.filter(kind=Place.Kind.POSTCODE, locality__in=self.localities)
            .order_by("lookup_key")
            .values_list("name", "latitude", "longitude", "locality_id")
        ):
            point = Point(name, name.split()[0], latitude, longitude, locality_id)
            self.points.append(point)
            self.points_by_locality[locality_id].append(point)
        if not self.points:
            raise DemoDataError("No postcodes with localities were loaded; check the demo places files.")
        self.districts = {
            name: (latitude, longitude, locality_id)
            for name, latitude, longitude, locality_id in Place.objects.filter(
                kind=Place.Kind.DISTRICT, locality__in=self.localities
            )
            .order_by("lookup_key")
            .values_list("name", "latitude", "longitude", "locality_id")
        }
        self.towns = list(
            Place.objects.filter(kind__in=[Place.Kind.TOWN, Place.Kind.VILLAGE], locality__in=self.localities)
            .order_by("lookup_key")
            .values_list("name", "kind", "latitude", "longitude", "locality_id")
        )
        centres: dict[int, tuple[float, float]] = {}
        for locality_id in self.localities:
            own = [(lat, lon) for lat, lon, owner in self.districts.values() if owner == locality_id]
            if own:
                centres[locality_id] = (sum(p[0] for p in own) / len(own), sum(p[1] for p in own) / len(own))
        self.neighbours: dict[int, list[int]] = {}
        for locality_id, (latitude, longitude) in centres.items():
            distances = sorted(
                (miles_between(latitude, longitude, *centres[other]), other)
                for other in centres
                if other != locality_id
            )
            self.neighbours[locality_id] = [other for _, other in distances]
        self._nearest_town_cache: dict[str, str] = {}
        self.town_points: dict[str, list[Point]] = {}
        for name, kind, latitude, longitude, locality_id in self.towns:
            if kind == Place.Kind.TOWN:
                near = [
                    point
                    for point in self.points_by_locality[locality_id]
                    if miles_between(latitude, longitude, point.latitude, point.longitude) < 1.5
                ]
                self.town_points[name] = near or self.points_by_locality[locality_id]
        # Every postcode within a mile and a half of a town once, in a fixed order.
        in_towns = {point.postcode: point for name in sorted(self.town_points) for point in self.town_points[name]}
        self.town_area_points: list[Point] = [in_towns[postcode] for postcode in sorted(in_towns)]

    def nearest_town(self, point: Point) -> str:
        """The town or village a listing names as its base: the nearest in its own locality.

        The site says a listing is "in the Dunmere area" from its locality, so the text must not
        name a town across the boundary ("PA based in Pennock" under "in the Dunmere area").
        """
        if point.postcode not in self._nearest_town_cache:
            own = [town for town in self.towns if town[4] == point.locality_id] or self.towns
            self._nearest_town_cache[point.postcode] = min(
                own, key=lambda town: miles_between(point.latitude, point.longitude, town[2], town[3])
            )[0]
        return self._nearest_town_cache[point.postcode]

    def districts_within(self, point: Point, miles: float, limit: int = 14) -> list[str]:
        near = sorted(
            (miles_between(point.latitude, point.longitude, lat, lon), name)
            for name, (lat, lon, _) in self.districts.items()
        )
        chosen = [name for distance, name in near if distance <= miles][:limit]
        if point.district not in chosen:
            chosen.insert(0, point.district)
        return sorted(chosen, key=lambda name: (len(name), name))

    def towns_in(self, locality_id: int) -> list[str]:
        return [name for name, kind, _, _, owner in self.towns if owner == locality_id and kind == Place.Kind.TOWN]

    def is_rural(self, point: Point) -> bool:
        return self.localities[point.locality_id].is_rural


# --- Planning listings in memory ----------------------------------------------------------------------------------


@dataclass
class PlannedProvider:
    provider: Provider
    services: list[str]
    client_groups: list[str]
    specialisms: list[str]
    languages: list[str]
    localities: list[int]
    prices: list[ProviderPrice] = field(default_factory=list)
    price_services: list[str] = field(default_factory=list)  # the service slug of each price
    locations: list[ProviderLocation] = field(default_factory=list)
    status_reason: str = ""


TERM_NAMES = {
    "services": {slug: name for slug, name, _ in SERVICES},
    "client_groups": dict(CLIENT_GROUPS),
    "specialisms": dict(SPECIALISMS),
    "languages": {slug: name for slug, name, _ in LANGUAGES},
}


def _ordered(slugs: Iterable[str], vocabulary: Sequence[tuple[str, ...]]) -> list[str]:
    order = {row[0]: index for index, row in enumerate(vocabulary)}
    return sorted(set(slugs), key=lambda slug: order[slug])


class CountyPlanner:
    """Decides every listing from one random stream, so a seed always gives the same county."""

    def __init__(self, *, seed: int, geography: Geography, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.faker = Faker("en_GB")
        self.faker.seed_instance(seed)
        self.names = NameGenerator(rng=self.rng, faker=self.faker)
        self.geography = geography
        # One clock for the whole county: every date is counted back from this moment.
        self.now = now
        self.today = timezone.localdate(now)
        self.used_slugs: set[str] = set()
        self.used_names: set[str] = set()

    # Small helpers ---------------------------------------------------------------------------------

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def pick_weighted(self, shares: dict[T, float]) -> T:
        return self.rng.choices(list(shares), weights=list(shares.values()))[0]

    def unique_slug(self, name: str) -> str:
        base = slugify(name)[:200] or "provider"
        slug, number = base, 1
        while slug in self.used_slugs:
            number += 1
            slug = f"{base}-{number}"
        self.used_slugs.add(slug)
        return slug

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def money(self, low: float, high: float, mode: float, step: float = 0.5) -> Decimal:
        value = round(self.rng.triangular(low, high, mode) / step) * step
        return Decimal(f"{value:.2f}")

    def mobile(self) -> str:
        # Ofcom's range for drama: never a real person's number.
        return f"07700 900{self.rng.randint(0, 999):03d}"

    def landline(self) -> str:
        return f"01632 960{self.rng.randint(1, 999):03d}"

    def street(self) -> str:
        return f"{self.rng.randint(1, 140)} {self.rng.choice(STREET_FIRST)} {self.rng.choice(STREET_SUFFIXES)}"

    def services_for(self, kind: str, point: Point, must: str | None = None) -> list[str]:
        """The services a provider based at `point` offers: specialist ones are rarer in rural localities."""
        chances = SERVICE_CHANCES[kind]
        if self.geography.is_rural(point):
            chances = {
                slug: chance * RURAL_SPECIALIST_SERVICE_FACTOR if slug in SPECIALIST_SERVICES else chance
                for slug, chance in chances.items()
            }
        return _ordered(self.terms(chances, must=must), SERVICES)

    def town_or_anywhere(self, share_in_towns: float) -> Point:
        """A base: near a town with the given chance, else any postcode."""
        in_town = self.geography.town_area_points and self.chance(share_in_towns)
        return self.rng.choice(self.geography.town_area_points if in_town else self.geography.points)

    def terms(self, chances: dict[str, float], must: str | None = None) -> list[str]:
        chosen = [slug for slug, chance in chances.items() if self.chance(chance)]
        if must and must not in chosen:
            chosen.insert(0, must)
        if not chosen:
            chosen = [max(chances, key=lambda slug: chances[slug])]
        return chosen

    def specialisms_for(self, client_groups: list[str], limit: int = 5) -> list[str]:
        chosen: list[str] = []
        for group, specialism, chance in SPECIALISM_CHANCES:
            if group in client_groups and specialism not in chosen and self.chance(chance):
                chosen.append(specialism)
        return chosen[:limit]

    def status(self) -> str:
        return self.pick_weighted(STATUS_SHARES)

    def availability_dates(self, status: str) -> tuple[date | None, date | None]:
        if status == Status.DRAFT and self.chance(0.5):
            return None, None
        if self.chance(STALE_AVAILABILITY_SHARE):
            confirmed = self.days_ago(STALE_AVAILABILITY_DAYS + 1, 90)
        else:
            confirmed = self.days_ago(0, STALE_AVAILABILITY_DAYS - 1)
        return confirmed, confirmed

    def days_phrase(self, mask: int) -> str:
        availability = WeeklyAvailability(mask)
        days = [day for day in Day if any(availability.is_available(day, part) for part in PartOfDay)]
        weekdays = [day for day in days if day < Day.SATURDAY]
        if not days:
            return ""
        if len(days) == 7:
            return "seven days a week"
        if len(weekdays) == 5 and len(days) == 5:
            return "Monday to Friday"
        if len(weekdays) == 5 and days[-1] == Day.SATURDAY:
            return "Monday to Saturday"
        if len(days) <= 3:
            return "on " + text.natural_join([f"{day.label}s" for day in days])
        if set(days) >= {Day.SATURDAY, Day.SUNDAY}:
            return "across the week, including weekends"
        return "on most weekdays"

    # Availability grids ----------------------------------------------------------------------------

    def grid(self, days: Iterable[Day], parts: Iterable[PartOfDay]) -> int:
        parts = list(parts)
        return WeeklyAvailability.from_slots((day, part) for day in days for part in parts).mask

    def pa_availability(self, offers_overnight: bool) -> int:
        weekdays = list(Day)[:5]
        weekend = [Day.SATURDAY, Day.SUNDAY]
        daytime = [PartOfDay.MORNING, PartOfDay.AFTERNOON]
        pattern = self.pick_weighted(
            {
                "weekday_daytime": 0.3,
                "mornings": 0.15,
                "part_time": 0.2,
                "evenings_weekends": 0.12,
                "full": 0.08,
                "sparse": 0.1,
                "nights": 0.05,
            }
        )
        if pattern == "weekday_daytime":
            mask = self.grid(weekdays, daytime)
        elif pattern == "mornings":
            mask = self.grid(weekdays + ([Day.SATURDAY] if self.chance(0.3) else []), [PartOfDay.MORNING])
        elif pattern == "part_time":
            mask = self.grid(sorted(self.rng.sample(weekdays, 3)), daytime)
        elif pattern == "evenings_weekends":
            mask = self.grid(weekdays, [PartOfDay.EVENING]) | self.grid(weekend, daytime)
        elif pattern == "full":
            mask = self.grid(list(Day), [PartOfDay.MORNING, PartOfDay.AFTERNOON, PartOfDay.EVENING])
        elif pattern == "nights":
            mask = self.grid(sorted(self.rng.sample(list(Day), 4)), [PartOfDay.EVENING, PartOfDay.OVERNIGHT])
        else:
            slots = self.rng.sample(
                [(day, part) for day in Day for part in list(PartOfDay)[:3]], self.rng.randint(4, 9)
            )
            mask = WeeklyAvailability.from_slots(slots).mask
        if offers_overnight and pattern != "nights":
            mask |= self.grid(sorted(self.rng.sample(list(Day), 2)), [PartOfDay.OVERNIGHT])
        return mask

    def organisation_availability(self, kind: str, offers_overnight: bool) -> int:
        if kind == Kind.HOME_CARE_AGENCY:
            mask = self.grid(list(Day), [PartOfDay.MORNING, PartOfDay.AFTERNOON, PartOfDay.EVENING])
            return mask | (self.grid(list(Day), [PartOfDay.OVERNIGHT]) if offers_overnight else 0)
        if kind == Kind.DAY_SERVICE:
            pattern = self.pick_weighted({"weekdays": 0.7, "with_saturday": 0.15, "club": 0.15})
            if pattern == "club":
                return self.grid(
                    sorted(self.rng.sample(list(Day)[:5], self.rng.randint(1, 3))),
                    [PartOfDay.MORNING, PartOfDay.AFTERNOON],
                )
            days = list(Day)[:5] + ([Day.SATURDAY] if pattern == "with_saturday" else [])
            return self.grid(days, [PartOfDay.MORNING, PartOfDay.AFTERNOON])
        # Micro-providers: small teams, mostly daytime and early evening, some weekends.
        days = list(Day)[:5] + ([Day.SATURDAY, Day.SUNDAY] if self.chance(0.6) else [])
        parts = [PartOfDay.MORNING, PartOfDay.AFTERNOON] + ([PartOfDay.EVENING] if self.chance(0.6) else [])
        mask = self.grid(days, parts)
        return mask | (self.grid(list(Day), [PartOfDay.OVERNIGHT]) if offers_overnight else 0)

    # Common parts ------------------------------------------------------------------------------------------------

    def base_provider(self, *, kind: str, name: str, point: Point, status: str) -> Provider:
        confirmed, new_clients_confirmed = self.availability_dates(status)
        is_published_once = status in (Status.PUBLISHED, Status.SUSPENDED, Status.WITHDRAWN)
        consents = self.chance(CONTACT_CONSENT_SHARE)
        provider = Provider(
            kind=kind,
            status=status,
            name=name,
            slug=self.unique_slug(name),
            base_postcode=point.postcode,
            latitude=point.latitude,
            longitude=point.longitude,
            locality_id=point.locality_id,
            availability_confirmed_on=confirmed,
            taking_new_clients_confirmed_on=new_clients_confirmed,
            is_taking_new_clients=self.chance(
                RURAL_TAKING_NEW_CLIENTS_SHARE if self.geography.is_rural(point) else TAKING_NEW_CLIENTS_SHARE
            ),
            has_consented_to_publish_contact=consents,
            contact_consent_given_at=self.now - timedelta(days=self.rng.randint(30, 900)) if consents else None,
            published_at=self.now - timedelta(days=self.rng.randint(20, 1100)) if is_published_once else None,
        )
        if status == Status.PUBLISHED and self.chance(ACCREDITED_SHARE_OF_PUBLISHED):
            provider.is_accredited = True
            provider.accredited_since = self.days_ago(14, 1000)
        return provider

    def localities_served(self, point: Point, extra: tuple[int, int]) -> list[int]:
        neighbours = self.geography.neighbours.get(point.locality_id, [])
        count = self.rng.randint(*extra)
        return [point.locality_id, *neighbours[:count]]

    def cqc(self, provider: Provider) -> None:
        if not self.chance(CQC_REGISTERED_SHARE.get(provider.kind, 0.0)):
            return
        provider.cqc_provider_id = f"1-{self.rng.randint(100_000_000, 9_999_999_999)}"
        provider.cqc_location_id = f"1-{self.rng.randint(100_000_000, 19_999_999_999)}"
        if not self.chance(CQC_NOT_YET_RATED_SHARE):
            provider.cqc_rating = self.pick_weighted(CQC_RATING_SHARES)
            provider.cqc_rating_date = self.days_ago(60, 1500)

    def status_reason(self, provider: Provider) -> str:
        if provider.status == Status.SUSPENDED:
            if provider.cqc_rating == Provider.CqcRating.INADEQUATE:
                return INADEQUATE_SUSPENSION_REASON
            return self.rng.choice(SUSPENSION_REASONS)
        if provider.status == Status.WITHDRAWN:
            return self.rng.choice(WITHDRAWAL_REASONS)
        return ""

    def facts(self, provider: Provider, plan: PlannedProvider, point: Point, years: int) -> text.ListingFacts:
        return text.ListingFacts(
            name=provider.name,
            town=self.geography.nearest_town(point),
            locality=self.geography.localities[point.locality_id].name,
            services=[TERM_NAMES["services"][slug] for slug in plan.services],
            client_groups=[TERM_NAMES["client_groups"][slug] for slug in plan.client_groups],
            specialisms=[TERM_NAMES["specialisms"][slug] for slug in plan.specialisms],
            languages=[TERM_NAMES["languages"][slug] for slug in plan.languages if slug != "english"],
            years=years,
            travel_radius_miles=provider.travel_radius_miles,
            days_phrase=self.days_phrase(provider.availability_mask),
        )

    def location(self, provider: Provider, point: Point, *, name: str, step_free: float) -> ProviderLocation:
        town = self.geography.nearest_town(point)
        return ProviderLocation(
            name=name,
            address_line_1=self.street(),
            town=town,
            postcode=point.postcode,
            latitude=point.latitude,
            longitude=point.longitude,
            has_step_free_access=self.chance(step_free),
            has_accessible_toilet=self.chance(step_free - 0.1),
        )

    def unique_name(self, templates: Sequence[str], **fill: str) -> str:
        for _ in range(20):
            name = self.rng.choice(templates).format(
                word=self.rng.choice(NAME_WORDS),
                surname=self.names.surname(),
                surname2=self.names.surname(),
                **fill,
            )
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        name = f"{name} ({fill.get('locality', '')})"
        while name in self.used_names:
            name = f"{name} {self.rng.randint(2, 99)}"
        self.used_names.add(name)
        return name

    # Personal assistants ---------------------------------------------------------------------------------

    def personal_assistant(self) -> PlannedProvider:
        point = self.town_or_anywhere(PERSONAL_ASSISTANT_TOWN_SHARE)
        is_female = self.chance(0.82)
        person = self.names.person(is_female=is_female)
        status = self.status()
        provider = self.base_provider(kind=Kind.PERSONAL_ASSISTANT, name=person.full_name, point=point, status=status)
        provider.has_female_workers = is_female
        provider.has_male_workers = not is_female
        provider.has_non_binary_workers = self.chance(0.008)
        if provider.has_non_binary_workers:
            provider.has_female_workers = provider.has_male_workers = False
        rural = self.geography.is_rural(point)
        provider.travel_radius_miles = self.rng.randint(8, 20) if rural else self.rng.randint(3, 10)
        provider.postcode_districts_served = " ".join(
            self.geography.districts_within(point, provider.travel_radius_miles * 0.8, limit=8)
        )
        provider.capacity_hours_per_week = self.rng.choice((6, 8, 10, 12, 15, 16, 20, 24, 25, 30, 37))
        services = self.services_for(Kind.PERSONAL_ASSISTANT, point)
        client_groups = _ordered(self.terms(CLIENT_GROUP_CHANCES[Kind.PERSONAL_ASSISTANT]), CLIENT_GROUPS)
        plan = PlannedProvider(
            provider=provider,
            services=services,
            client_groups=client_groups,
            specialisms=_ordered(self.specialisms_for(client_groups), SPECIALISMS),
            languages=_ordered(["english", *person.languages], LANGUAGES),
            localities=self.localities_served(point, (0, 1) if not rural else (0, 2)),
        )
        provider.availability_mask = self.pa_availability("overnight-support" in services)
        provider.contact_name = person.full_name
        handle = "".join(ch for ch in person.ascii_name.lower().replace(" ", ".") if ch.isalnum() or ch == ".")
        provider.contact_email = f"{handle}{self.rng.randint(1, 99)}@{self.rng.choice(('example.com', 'example.org'))}"
        provider.contact_phone = self.mobile()
        hourly = self.money(14, 22, 16.5)
        priced = [slug for slug in services if slug != "overnight-support"][: self.rng.randint(1, 2)]
        for index, slug in enumerate(priced):
            amount = hourly if index == 0 else max(Decimal("14.00"), hourly - Decimal(self.rng.choice((0, 0.5, 1))))
            self._add_price(
                plan, slug, ProviderPrice.Unit.HOUR, amount, "pa_hour", radius=provider.travel_radius_miles
            )
        if "overnight-support" in services:
            self._add_price(plan, "overnight-support", ProviderPrice.Unit.NIGHT, self.money(90, 140, 110, 5), "night")
        years = self.rng.randint(1, 25)
        facts = self.facts(provider, plan, point, years)
        facts.drives = self.chance(0.3 if not rural else 0.85) or "travel-support" in services
        provider.summary = text.pa_summary(self.rng, facts)
        provider.description = text.pa_description(self.rng, facts)
        plan.status_reason = self.status_reason(provider)
        return plan

    def _add_price(
        self,
        plan: PlannedProvider,
        slug: str,
        unit: str,
        amount: Decimal,
        includes_key: str,
        *,
        radius: int | None = None,
    ) -> None:
        includes = text.price_includes(self.rng, includes_key, radius=radius)
        plan.prices.append(ProviderPrice(unit=unit, amount=amount, includes=includes))
        plan.price_services.append(slug)

    # Micro-providers and agencies ----------------------------------------------------------------------

    def organisation(self, kind: str) -> PlannedProvider:
        point = self.town_or_anywhere(ORGANISATION_TOWN_SHARE)
        locality = self.geography.localities[point.locality_id]
        founder = self.names.person(is_female=self.chance(0.75))
        templates = MICRO_PROVIDER_NAMES if kind == Kind.MICRO_PROVIDER else AGENCY_NAMES
        name = self.unique_name(
            templates, town=self.geography.nearest_town(point), locality=locality.name, first=founder.first_name
        )
        status = self.status()
        provider = self.base_provider(kind=kind, name=name, point=point, status=status)
        self.cqc(provider)
        provider.has_female_workers = True
        provider.has_male_workers = self.chance(0.7 if kind == Kind.HOME_CARE_AGENCY else 0.5)
        provider.has_non_binary_workers = self.chance(0.08)
        is_agency = kind == Kind.HOME_CARE_AGENCY
        provider.travel_radius_miles = self.rng.randint(10, 20) if is_agency else self.rng.randint(5, 15)
        services = self.services_for(kind, point, must=MAIN_SERVICE[kind])
        client_groups = _ordered(self.terms(CLIENT_GROUP_CHANCES[kind]), CLIENT_GROUPS)
        languages = {"english", *founder.languages}
        languages |= {
            slug
            for slug, share in ORGANISATION_LANGUAGE_CHANCES.items()
            if self.chance(share * (1.0 if is_agency else 0.4))
        }
        plan = PlannedProvider(
            provider=provider,
            services=services,
            client_groups=client_groups,
            specialisms=_ordered(self.specialisms_for(client_groups, limit=6), SPECIALISMS),
            languages=_ordered(languages, LANGUAGES),
            localities=self.localities_served(point, (1, 3) if is_agency else (0, 2)),
        )
        districts = [
            district
            for district, (_, _, owner) in self.geography.districts.items()
            if owner in plan.localities[: 2 if is_agency else 1]
        ]
        provider.postcode_districts_served = " ".join(sorted(districts, key=lambda name: (len(name), name)))
        provider.availability_mask = self.organisation_availability(kind, "overnight-support" in services)
        team_size = self.rng.randint(15, 120) if is_agency else self.rng.randint(2, 8)
        # Free hours, not the team's whole week: most of a team's hours already go to people it supports.
        provider.capacity_hours_per_week = team_size * self.rng.randint(2, 6)
        manager = self.names.person(is_female=self.chance(0.8))
        provider.contact_name = manager.full_name
        domain = f"{provider.slug[:40].strip('-')}.example"
        provider.contact_email = f"{self.rng.choice(('enquiries', 'info', 'office', 'hello'))}@{domain}"
        provider.contact_phone = self.landline()
        provider.website = f"https://www.{domain}" if self.chance(0.85 if is_agency else 0.45) else ""
        low, high, mode = (22, 30, 25.5) if is_agency else (19, 27, 22)
        hourly = self.money(low, high, mode, 0.1)
        for slug in [slug for slug in services if slug != "overnight-support"][: self.rng.randint(1, 3)]:
            amount = hourly if slug == services[0] else max(Decimal(low), hourly - Decimal(self.rng.choice((0, 1, 2))))
            self._add_price(plan, slug, ProviderPrice.Unit.HOUR, amount, "organisation_hour")
        if "overnight-support" in services:
            self._add_price(plan, "overnight-support", ProviderPrice.Unit.NIGHT, self.money(100, 180, 130, 5), "night")
        if self.chance(0.6 if is_agency else 0.2):
            plan.locations.append(self.location(provider, point, name=f"{name} office", step_free=0.7))
        founded = self.rng.randint(1995 if is_agency else 2012, self.today.year - 1)
        facts = self.facts(provider, plan, point, years=self.today.year - founded)
        facts.extra = {
            "team_size": str(team_size),
            "founded": str(founded),
            "founder": founder.full_name,
            "localities": text.natural_join([self.geography.localities[pk].name for pk in plan.localities]),
        }
        provider.summary = text.organisation_summary(self.rng, facts, kind=kind)
        provider.description = text.organisation_description(self.rng, facts, kind=kind)
        plan.status_reason = self.status_reason(provider)
        return plan

    # Day services -----------------------------------------------------------------------------------------

    def day_service(self) -> PlannedProvider:
        locality_id = self.rng.choice(list(self.geography.points_by_locality))
        towns = self.geography.towns_in(locality_id) or [
            self.geography.nearest_town(self.geography.points_by_locality[locality_id][0])
        ]
        town = self.rng.choice(towns)
        point = self.rng.choice(self.geography.town_points.get(town) or self.geography.points_by_locality[locality_id])
        service_type = self.rng.choices(DAY_SERVICE_TYPES, weights=[kind["weight"] for kind in DAY_SERVICE_TYPES])[0]
        locality = self.geography.localities[locality_id]
        name = self.unique_name(service_type["names"], town=town, locality=locality.name, first="")
        status = self.status()
        provider = self.base_provider(kind=Kind.DAY_SERVICE, name=name, point=point, status=status)
        self.cqc(provider)
        provider.has_female_workers = True
        provider.has_male_workers = self.chance(0.85)
        provider.has_non_binary_workers = self.chance(0.1)
        services = _ordered(self.terms(SERVICE_CHANCES[Kind.DAY_SERVICE], must="day-opportunities"), SERVICES)
        client_groups = _ordered(
            [slug for index, slug in enumerate(service_type["groups"]) if index == 0 or self.chance(0.6)],
            CLIENT_GROUPS,
        )
        specialisms = _ordered(
            [slug for index, slug in enumerate(service_type["specialisms"]) if index == 0 or self.chance(0.5)],
            SPECIALISMS,
        )
        languages = {"english", *service_type.get("languages", ())}
        if self.chance(0.1):
            languages.add("british-sign-language")
        plan = PlannedProvider(
            provider=provider,
            services=services,
            client_groups=client_groups,
            specialisms=specialisms,
            languages=_ordered(languages, LANGUAGES),
            localities=self.localities_served(point, (0, 1)),
        )
        if "travel-support" in services:
            provider.travel_radius_miles = self.rng.randint(6, 15)
        provider.postcode_districts_served = " ".join(
            self.geography.districts_within(point, provider.travel_radius_miles or 5, limit=10)
        )
        provider.availability_mask = self.organisation_availability(Kind.DAY_SERVICE, False)
        provider.capacity_places_per_day = self.rng.choice((12, 15, 18, 20, 24, 25, 30, 35, 40, 50, 60))
        provider.contact_name = self.names.person(is_female=self.chance(0.75)).full_name
        domain = f"{provider.slug[:40].strip('-')}.example"
        provider.contact_email = f"{self.rng.choice(('info', 'bookings', 'hello'))}@{domain}"
        provider.contact_phone = self.landline()
        provider.website = f"https://www.{domain}" if self.chance(0.6) else ""
        if self.chance(0.75):
            self._add_price(plan, "day-opportunities", ProviderPrice.Unit.DAY, self.money(45, 75, 58, 1), "day")
        if self.chance(0.45) or not plan.prices:
            self._add_price(
                plan, "day-opportunities", ProviderPrice.Unit.SESSION, self.money(25, 40, 31, 0.5), "session"
            )
        premises = self.rng.choice(PREMISES_NAMES).format(
            town=town, number=self.rng.randint(1, 30), street=self.rng.choice(STREET_FIRST)
        )
        plan.locations.append(self.location(provider, point, name=premises, step_free=0.9))
        if self.chance(0.1):
            second = self.rng.choice(self.geography.points_by_locality[locality_id])
            plan.locations.append(self.location(provider, second, name=f"{name} (second site)", step_free=0.8))
        founded = self.rng.randint(1985, self.today.year - 2)
        facts = self.facts(provider, plan, point, years=self.today.year - founded)
        facts.town = town
        activities = self.rng.sample(text.DAY_SERVICE_ACTIVITIES, 3)
        facts.extra = {
            "founded": str(founded),
            "places": str(provider.capacity_places_per_day),
            "premises": premises if not premises.startswith("Unit") else "our centre",
            "activities": text.natural_join(activities),
        }
        provider.summary = text.day_service_summary(self.rng, facts)
        provider.description = text.day_service_description(self.rng, facts)
        plan.status_reason = self.status_reason(provider)
        return plan

    # Others -------------------------------------------------------------------------------------------------------

    def other(self, index: int) -> PlannedProvider:
        template = OTHER_TEMPLATES[index % len(OTHER_TEMPLATES)]
        locality_id = self.rng.choice(list(self.geography.points_by_locality))
        towns = self.geography.towns_in(locality_id)
        town = self.rng.choice(towns) if towns else self.geography.localities[locality_id].name
        point = self.rng.choice(self.geography.town_points.get(town) or self.geography.points_by_locality[locality_id])
        locality = self.geography.localities[locality_id]
        name = self.unique_name([template["name"]], town=town, locality=locality.name, first="")
        status = Status.PUBLISHED if index < len(OTHER_TEMPLATES) else self.status()
        provider = self.base_provider(kind=Kind.OTHER, name=name, point=point, status=status)
        provider.summary = template["summary"]
        provider.description = template["description"]
        provider.has_female_workers = provider.has_male_workers = True
        countywide = name.startswith("Wendleshire")
        localities = (
            list(self.geography.localities)
            if countywide
            else [locality_id, *self.geography.neighbours.get(locality_id, [])[:1]]
        )
        provider.postcode_districts_served = " ".join(
            sorted(
                (district for district, (_, _, owner) in self.geography.districts.items() if owner in localities),
                key=lambda district: (len(district), district),
            )
        )
        provider.availability_mask = self.grid(list(Day)[:5], [PartOfDay.MORNING, PartOfDay.AFTERNOON])
        provider.contact_name = self.names.person(is_female=self.chance(0.7)).full_name
        domain = f"{provider.slug[:40].strip('-')}.example"
        provider.contact_email = f"info@{domain}"
        provider.contact_phone = self.landline()
        provider.website = f"https://www.{domain}"
        provider.has_consented_to_publish_contact = True
        provider.contact_consent_given_at = self.now - timedelta(days=self.rng.randint(30, 900))
        plan = PlannedProvider(
            provider=provider,
            services=_ordered(template["services"], SERVICES),
            client_groups=_ordered(template["groups"], CLIENT_GROUPS),
            specialisms=[],
            languages=["english"],
            localities=localities,
        )
        if "price" in template:
            slug, unit, amount, includes = template["price"]
            plan.prices.append(ProviderPrice(unit=unit, amount=Decimal(amount), includes=includes))
            plan.price_services.append(slug)
        plan.locations.append(self.location(provider, point, name=name, step_free=0.9))
        plan.status_reason = self.status_reason(provider)
        return plan


# --- Writing ----------------------------------------------------------------------------------------------


def _bulk_create(model: type[models.Model], rows: list[Any], batch_size: int = 2000) -> None:
    for start in range(0, len(rows), batch_size):
        model.objects.bulk_create(rows[start : start + batch_size])  # type: ignore[attr-defined]


def _write_plans(
    plans: list[PlannedProvider], taxonomy: TaxonomyIds, commissioner: User | None, *, now: datetime
) -> list[int]:
    Provider.objects.bulk_create([plan.provider for plan in plans], batch_size=500)
    through_rows: dict[str, list[Any]] = defaultdict(list)
    vocabularies = {
        "services": taxonomy.services,
        "client_groups": taxonomy.client_groups,
        "specialisms": taxonomy.specialisms,
        "languages": taxonomy.languages,
    }
    prices: list[ProviderPrice] = []
    locations: list[ProviderLocation] = []
    changes: list[ProviderStatusChange] = []
    for plan in plans:
        provider_id = plan.provider.pk
        for field_name, ids in vocabularies.items():
            through_rows[field_name] += [(provider_id, ids[slug]) for slug in getattr(plan, field_name)]
        through_rows["localities_served"] += [(provider_id, locality_id) for locality_id in plan.localities]
        for price, service_slug in zip(plan.prices, plan.price_services, strict=True):
            price.provider_id = provider_id
            price.service_id = taxonomy.services[service_slug]
            prices.append(price)
        for location in plan.locations:
            location.provider_id = provider_id
            locations.append(location)
        if plan.status_reason:
            changes.append(
                ProviderStatusChange(
                    provider_id=provider_id,
                    from_status=Status.PUBLISHED,
                    to_status=plan.provider.status,
                    changed_by=commissioner,
                    reason=plan.status_reason,
                    changed_at=now - timedelta(days=(provider_id * 7) % 120 + 1),
                )
            )
    for field_name, pairs in through_rows.items():
        relation = Provider._meta.get_field(field_name)
        through = relation.remote_field.through
        target = relation.m2m_reverse_field_name()
        _bulk_create(
            through,
            [through(**{"provider_id": provider_id, f"{target}_id": term_id}) for provider_id, term_id in pairs],
        )
    _bulk_create(ProviderPrice, prices)
    _bulk_create(ProviderLocation, locations)
    _bulk_create(ProviderStatusChange, changes)
    return [plan.provider.pk for plan in plans]


@functools.cache
def _demo_password_hash() -> str:
    """One hash for every demo login: hashing is deliberately slow (about half a second each)."""
    return make_password(DEMO_PASSWORD)


def _demo_user(email: str, *, first_name: str, last_name: str, **extra: Any) -> User:
    user, _ = User.objects.update_or_create(
        email=email,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "is_active": True,
            "password": _demo_password_hash(),
            **extra,
        },
    )
    # Signing in needs a verified address (allauth, mandatory verification).
    account_email_mark_verified(user=user)
    return user


def _create_staff_logins() -> tuple[list[DemoLogin], User]:
    admin = _demo_user(
        f"admin@{DEMO_EMAIL_DOMAIN}", first_name="Alex", last_name="Morgan", is_staff=True, is_superuser=True
    )
    commissioner = _demo_user(
        f"commissioner@{DEMO_EMAIL_DOMAIN}", first_name="Helen", last_name="Marsh", is_staff=True
    )
    commissioner.groups.add(Group.objects.get_or_create(name=COMMISSIONERS)[0])
    editor = _demo_user(f"editor@{DEMO_EMAIL_DOMAIN}", first_name="Priya", last_name="Chauhan")
    editor.groups.add(Group.objects.get_or_create(name=EDITORS)[0])
    # Council staff must sign in with a second factor: one authenticator app
    # secret for all three, printed in the README so a person can add it.
    for user in (admin, commissioner, editor):
        mfa_totp_activate(user=user, secret=DEMO_TOTP_SECRET)
    logins = [
        DemoLogin("Superuser", admin.email, DEMO_PASSWORD),
        DemoLogin("Commissioner", commissioner.email, DEMO_PASSWORD),
        DemoLogin("Content editor", editor.email, DEMO_PASSWORD),
    ]
    return logins, commissioner


def _create_provider_logins(plans: list[PlannedProvider]) -> list[DemoLogin]:
    logins = []
    for kind, local_part, role in (
        (Kind.MICRO_PROVIDER, "provider", "Micro-provider owner"),
        (Kind.PERSONAL_ASSISTANT, "pa", "Personal assistant"),
    ):
        plan = next(
            (plan for plan in plans if plan.provider.kind == kind and plan.provider.status == Status.PUBLISHED), None
        )
        if plan is None:
            continue
        first_name, _, last_name = plan.provider.contact_name.partition(" ")
        user = _demo_user(f"{local_part}@{DEMO_EMAIL_DOMAIN}", first_name=first_name, last_name=last_name)
        ProviderMembership.objects.get_or_create(
            provider=plan.provider, user=user, defaults={"role": ProviderMembership.Role.OWNER}
        )
        logins.append(DemoLogin(f"{role} ({plan.provider.name})", user.email, DEMO_PASSWORD))
    return logins


def _create_direct_payment_holders(planner: CountyPlanner, count: int) -> tuple[int, int, list[DemoLogin]]:
    """DP holders, about half with someone acting for them, plus the demo holder and family logins."""
    rng = planner.rng
    geography = planner.geography
    unusable = make_password(None)
    holder_users: list[User] = []
    holders: list[DirectPaymentHolder] = []
    agents: list[tuple[int, User, str]] = []
    for index in range(count):
        person = planner.names.person(is_female=planner.chance(0.55))
        point = rng.choice(geography.points)
        holder = DirectPaymentHolder(
            display_name=person.full_name,
            locality_id=point.locality_id,
            has_prepaid_card=planner.chance(0.78),
            primary_need=planner.pick_weighted(PRIMARY_NEED_SHARES),
        )
        if planner.chance(0.4):
            user = User(
                email=f"{_email_handle(person)}.{index}@{PEOPLE_EMAIL_DOMAIN}",
                first_name=person.first_name,
                last_name=person.last_name,
                password=unusable,
            )
            holder_users.append(user)
            holder.user = user
        holders.append(holder)
        if planner.chance(0.5):
            relationship = planner.pick_weighted(ACTING_FOR_SHARES)
            if relationship == ActingFor.Relationship.FAMILY_MEMBER:
                relative = planner.names.person(is_female=planner.chance(0.65))
                agent_person = Person(
                    relative.first_name,
                    person.last_name if planner.chance(0.8) else relative.last_name,
                    relative.is_female,
                    relative.background,
                    (),
                )
            else:
                agent_person = planner.names.person(is_female=planner.chance(0.7))
            agent = User(
                email=f"{_email_handle(agent_person)}.agent{index}@{PEOPLE_EMAIL_DOMAIN}",
                first_name=agent_person.first_name,
                last_name=agent_person.last_name,
                password=unusable,
            )
            agents.append((index, agent, relationship))
    User.objects.bulk_create(holder_users + [agent for _, agent, _ in agents], batch_size=500)
    for holder in holders:
        if holder.user is not None:
            holder.user_id = holder.user.pk
    DirectPaymentHolder.objects.bulk_create(holders, batch_size=500)
    links = [
        ActingFor(
            agent=agent,
            holder=holders[index],
            relationship=relationship,
            started_on=planner.days_ago(30, 1100),
            **right_fields(DEFAULT_RIGHTS[relationship]),
        )
        for index, agent, relationship in agents
    ]
    ActingFor.objects.bulk_create(links, batch_size=500)

    holder_user = _demo_user(f"dp-holder@{DEMO_EMAIL_DOMAIN}", first_name="Margaret", last_name="Hollis")
    wendlebury = Locality.objects.filter(name="Wendlebury").first()
    demo_holder, _ = DirectPaymentHolder.objects.update_or_create(
        user=holder_user,
        defaults={
            "display_name": "Margaret Hollis",
            "locality": wendlebury,
            "has_prepaid_card": True,
            "primary_need": DirectPaymentHolder.PrimaryNeed.OLDER_PEOPLE,
        },
    )
    family = _demo_user(f"family@{DEMO_EMAIL_DOMAIN}", first_name="David", last_name="Hollis")
    ActingFor.objects.get_or_create(
        agent=family,
        holder=demo_holder,
        relationship=ActingFor.Relationship.FAMILY_MEMBER,
        # The demo family member helps with everything, money included, as many families do.
        defaults={"started_on": planner.today - timedelta(days=400), **right_fields(frozenset(RIGHT_FIELDS))},
    )
    logins = [
        DemoLogin("Direct payment holder", holder_user.email, DEMO_PASSWORD),
        DemoLogin("Family member acting for the holder", family.email, DEMO_PASSWORD),
    ]
    return count + 1, len(links) + 1, logins


def _email_handle(person: Person) -> str:
    return "".join(ch for ch in person.ascii_name.lower().replace(" ", ".") if ch.isalnum() or ch == ".")


def payments_demo_clear() -> None:
    """Remove online payments and connected accounts made while trying the demo (never by the load itself).

    Refunds and disputes go first (they PROTECT the payment and their ledger
    transaction), then payouts, payments (their items with them) and accounts.
    """
    Refund.objects.all().delete()
    Dispute.objects.all().delete()
    Payout.objects.all().delete()
    Payment.objects.all().delete()
    PaymentAccount.objects.all().delete()


def demo_data_clear() -> None:
    """Remove every provider, direct payment holder and demo person (for --force).

    Rows that protect providers or demo people from deletion go first: contingency
    flags (PROTECT on the provider), then monitoring visits (their rating decisions
    PROTECT the officer who decided), then vetting checks and accreditation
    decisions (PROTECT the commissioner who decided) and the evidence files.
    """
    reviews_and_backups_demo_clear()  # reviews protect the agreements they were written through
    payments_demo_clear()  # payments tried in the demo protect invoices, holders and providers
    budgets_demo_clear()  # the ledgers protect holders and invoices
    ContingencyFlag.objects.all().delete()
    MonitoringVisit.objects.all().delete()
    accreditation_demo_clear()
    agreements_demo_clear()
    ActingFor.objects.all().delete()
    DirectPaymentHolder.objects.all().delete()
    Provider.objects.all().delete()
    User.objects.filter(email__iendswith=DEMO_EMAIL_DOMAIN).delete()


def _plan_listings(planner: CountyPlanner, counts: dict[str, int], steps: "BuildSteps") -> list[PlannedProvider]:
    planned = sum(counts.values())
    plans: list[PlannedProvider] = []
    for kind, count in counts.items():
        for index in range(count):
            if kind == Kind.PERSONAL_ASSISTANT:
                plans.append(planner.personal_assistant())
            elif kind == Kind.DAY_SERVICE:
                plans.append(planner.day_service())
            elif kind == Kind.OTHER:
                plans.append(planner.other(index))
            else:
                plans.append(planner.organisation(kind))
            if len(plans) % PROGRESS_EVERY == 0:
                steps.running("listings planned", len(plans), planned)
    return plans


class BuildSteps:
    """Lines for `report`: each step's counts, its own time and the time since the build began."""

    def __init__(self, report: Callable[[str], object] | None) -> None:
        self.report = report
        self.started = self.step_started = time.monotonic()
        self.last_running = 0.0

    def running(self, label: str, done: int, total: int) -> None:
        """Within a long step: at most one line every few seconds."""
        now = time.monotonic()
        if self.report is not None and done < total and now - self.last_running >= RUNNING_REPORT_SECONDS:
            self.last_running = now
            self.report(f"  {label}: {done:,} of {total:,} ({now - self.step_started:.1f} s)")

    def done(self, label: str, made: object = None) -> None:
        now = time.monotonic()
        if self.report is not None:
            counts = f": {_counts(made)}" if made is not None else ""
            self.report(f"{label}{counts} ({now - self.step_started:.1f} s; {now - self.started:.0f} s in all)")
        self.step_started = self.last_running = now


def _counts(made: object) -> str:
    """'384' for a number, 'checks 8,802, workers 420' for a step's result, the text as it is."""
    if isinstance(made, str):
        return made
    if isinstance(made, int):
        return f"{made:,}"
    values = made if isinstance(made, dict) else getattr(made, "__dict__", {})
    numbers = [(name, value) for name, value in values.items() if isinstance(value, int) and name != "seconds"]
    return ", ".join(f"{name.replace('_', ' ')} {value:,}" for name, value in numbers) or type(made).__name__


def _build_activity(
    planner: CountyPlanner, steps: BuildSteps, *, seed: int, scale: float, commissioner: User | None
) -> None:
    """What people have done in the county: vetting, visits, flags, enquiries, adverts, agreements, money."""
    today, now = planner.today, planner.now
    steps.done(
        "accreditation", build_accreditation_demo(seed=seed, today=today, commissioner=commissioner, scale=scale)
    )
    steps.done("monitoring", build_monitoring_demo(seed=seed, today=today, commissioner=commissioner))
    steps.done("contingency", build_contingency_demo(seed=seed, today=today, commissioner=commissioner))
    steps.done("engagement", build_engagement_demo(seed=seed, today=today, now=now))
    steps.done("adverts", build_adverts_demo(seed=seed, today=today, now=now, scale=scale))
    steps.done("agreements", build_agreements_demo(seed=seed, today=today, now=now))
    steps.done("saved searches", build_saved_searches_demo(seed=seed, now=now, scale=scale))
    # Reviews and back-up plans for whatever agreements the demos above made (none: nothing).
    steps.done(
        "reviews and back-up plans",
        build_reviews_and_backups_demo(seed=seed, today=today, now=now, commissioner=commissioner),
    )
    # After the agreements' demo: it posts every invoice that demo marked paid.
    steps.done("budgets", build_budgets_demo(seed=seed, today=today, now=now))


def planner_statistics_refresh() -> None:
    """The query planner's statistics for the tables just filled (ANALYZE).

    PostgreSQL's autovacuum makes them soon after a bulk load; SQLite never makes them itself, and
    without them it chose the wrong index for the dashboard's expired and expiring checks (78 ms each
    at scale 10, against 15 and 1 ms with them: decision 0056).
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def demo_county_build(
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    force: bool = False,
    report: Callable[[str], object] | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> DemoBuildResult:
    """Build the demo county in one transaction, as it stands at `now`.

    Every date in the county is counted back from one moment: `now`, or noon
    on `today`, or (only when neither is given) the real clock. Given a moment,
    the same seed builds the same county on any day it is run.

    Refuses when providers already exist unless `force`, which first deletes
    every provider, direct payment holder and demo person. `report` is
    called with a line for each step done (what it made and how long it took)
    and, in the long steps, every few thousand listings.
    """
    started = time.monotonic()
    counts = planned_provider_counts(scale)
    if Provider.objects.exists() and not force:
        raise DemoDataError(
            f"The database already has {Provider.objects.count():,} providers. Use --force to delete them (and "
            "every direct payment holder and demo person) and build the demo county again, or --if-empty to do "
            "nothing when there is data."
        )
    steps = BuildSteps(report)
    with transaction.atomic():
        if force:
            demo_data_clear()
            steps.done("cleared the old demo data")
        taxonomy = taxonomy_ensure_terms()
        places = places_load_postcodes(path=DEMO_PLACES_FILE, locality_map_path=DEMO_LOCALITY_MAP_FILE)
        places_load_towns(path=DEMO_TOWNS_FILE)
        demo_localities = read_locality_map(path=DEMO_LOCALITY_MAP_FILE).rural_by_locality
        geography = Geography(locality_names=demo_localities)
        planner = CountyPlanner(seed=seed, geography=geography, now=now or moment_on(today))
        steps.done("taxonomy and places", f"{places.postcodes_loaded:,} postcodes")

        planned = sum(counts.values())
        plans = _plan_listings(planner, counts, steps)
        steps.done("listings planned", f"{len(plans):,}")

        logins, commissioner = _create_staff_logins()
        provider_ids = []
        for start in range(0, len(plans), 1000):
            chunk = plans[start : start + 1000]
            provider_ids += _write_plans(chunk, taxonomy, commissioner, now=planner.now)
            steps.running("listings written", len(provider_ids), planned)
        steps.done("listings written", f"{len(provider_ids):,} with their terms, prices and places")
        for start in range(0, len(provider_ids), SEARCH_REFRESH_BATCH):
            batch = provider_ids[start : start + SEARCH_REFRESH_BATCH]
            provider_refresh_search_fields(provider_ids=batch)
            steps.running("search fields", start + len(batch), len(provider_ids))
        steps.done("search fields", f"{len(provider_ids):,} listings")

        logins += _create_provider_logins(plans)
        holders, links, holder_logins = _create_direct_payment_holders(
            planner, max(1, round(DIRECT_PAYMENT_HOLDERS_AT_SCALE_ONE * scale))
        )
        logins += holder_logins
        steps.done("direct payment holders", f"{holders:,}, {links:,} with someone acting for them")
        council_settings_configure(service_ids=taxonomy.services)
        advice_pages_create()
        steps.done("council settings and advice pages")
        _build_activity(planner, steps, seed=seed, scale=scale, commissioner=commissioner)
        # Every provider written is in the dashboard's change log: none of it needs patching.
        insights_change_log_empty()
        steps.done("the dashboard's log of changed providers emptied")
    planner_statistics_refresh()
    steps.done("the query planner's statistics")

    by_status = Counter(plan.provider.status for plan in plans)
    return DemoBuildResult(
        providers_by_kind=dict(Counter(plan.provider.kind for plan in plans)),
        providers_by_status=dict(by_status),
        accredited=Provider.objects.filter(is_accredited=True).count(),
        direct_payment_holders=holders,
        acting_for_links=links,
        postcodes=places.postcodes_loaded,
        logins=logins,
        seconds=time.monotonic() - started,
    )
