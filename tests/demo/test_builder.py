import csv
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Min

from cms.models import AdvicePage, AdviceStage, CouncilSettings
from marketplace.accounts.models import ActingFor, DirectPaymentHolder, User
from marketplace.accounts.roles import COMMISSIONERS, EDITORS
from marketplace.agreements.models import Invoice
from marketplace.demo import generate_places
from marketplace.demo.builder import (
    CQC_RATING_SHARES,
    DEMO_PASSWORD,
    CountyPlanner,
    DemoDataError,
    Geography,
    demo_county_build,
    planned_provider_counts,
)
from marketplace.insights.models import ProviderChange
from marketplace.payments.models import Payment, PaymentAccount, PaymentItem
from marketplace.places.models import Place
from marketplace.places.services import places_load_postcodes, read_locality_map
from marketplace.providers.models import Provider, ProviderLocation, ProviderMembership, ProviderPrice
from tests.factories import LocalityFactory, PlaceFactory

TODAY = date(2026, 11, 23)
MOMENT = datetime(2026, 11, 23, 12, tzinfo=UTC)


def county_snapshot() -> list[tuple]:
    return list(
        Provider.objects.order_by("slug").values_list(
            "slug", "name", "kind", "status", "summary", "base_postcode", "lowest_hourly_price", "availability_mask"
        )
    )


def test_counts_scale_linearly_from_the_county_numbers():
    assert planned_provider_counts(1) == {
        "personal_assistant": 1300,
        "micro_provider": 150,
        "home_care_agency": 100,
        "day_service": 70,
        "other": 8,
    }
    assert sum(planned_provider_counts(10).values()) == 16_280
    with pytest.raises(DemoDataError):
        planned_provider_counts(0)


@pytest.mark.django_db
def test_the_same_seed_builds_the_same_county_and_another_seed_a_different_one():
    demo_county_build(scale=0.03, seed=11, today=TODAY)
    first = county_snapshot()
    holders = list(DirectPaymentHolder.objects.order_by("display_name").values_list("display_name", flat=True))

    demo_county_build(scale=0.03, seed=11, today=TODAY, force=True)
    assert county_snapshot() == first
    assert list(DirectPaymentHolder.objects.order_by("display_name").values_list("display_name", flat=True)) == holders

    demo_county_build(scale=0.03, seed=12, today=TODAY, force=True)
    assert [row[1] for row in county_snapshot()] != [row[1] for row in first]


@pytest.fixture
def county(db):
    return demo_county_build(scale=0.2, seed=2026, today=TODAY)


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def test_every_published_listing_can_be_found_and_placed(county):
    published = Provider.objects.published()
    assert published.count() > 200
    assert not published.filter(search_text="").exists()
    assert not published.filter(latitude__isnull=True).exists()
    assert not published.filter(locality__isnull=True).exists()
    english = published.filter(languages__slug="english").count()
    assert english == published.count()
    assert not published.annotate(service_count=Count("services")).filter(service_count=0).exists()


def test_proportions_are_roughly_those_of_a_real_county(county):
    providers = Provider.objects.all()
    published = providers.filter(status=Provider.Status.PUBLISHED)
    assert 0.78 < share(published.count(), providers.count()) < 0.93
    assert 0.3 < share(published.filter(is_accredited=True).count(), published.count()) < 0.5
    assert 0.6 < share(providers.filter(is_taking_new_clients=True).count(), providers.count()) < 0.8
    confirmed = providers.filter(availability_confirmed_on__isnull=False)
    stale = confirmed.filter(availability_confirmed_on__lt=TODAY - timedelta(days=30))
    assert 0.15 < share(stale.count(), confirmed.count()) < 0.35
    assert 0.7 < share(providers.filter(has_consented_to_publish_contact=True).count(), providers.count()) < 0.9

    assistants = providers.filter(kind=Provider.Kind.PERSONAL_ASSISTANT)
    assert 0.72 < share(assistants.filter(has_female_workers=True).count(), assistants.count()) < 0.92
    assert not assistants.filter(has_female_workers=True, has_male_workers=True).exists()
    gujarati = assistants.filter(languages__slug="gujarati").count()
    # About 8% (names.py); with 260 assistants at this scale one seed's share can fall to 3.5%.
    assert 0.03 < share(gujarati, assistants.count()) < 0.13


def test_prices_sit_around_real_levels(county):
    def hourly_range(kind: str) -> tuple[Decimal, Decimal]:
        prices = ProviderPrice.objects.filter(provider__kind=kind, unit=ProviderPrice.Unit.HOUR)
        amounts = list(prices.values_list("amount", flat=True))
        return min(amounts), max(amounts)

    low, high = hourly_range(Provider.Kind.PERSONAL_ASSISTANT)
    assert Decimal("14") <= low
    assert high <= Decimal("22")
    low, high = hourly_range(Provider.Kind.HOME_CARE_AGENCY)
    assert Decimal("22") <= low
    assert high <= Decimal("30")
    day_rates = ProviderPrice.objects.filter(provider__kind="day_service", unit=ProviderPrice.Unit.DAY)
    assert all(Decimal("45") <= amount <= Decimal("75") for amount in day_rates.values_list("amount", flat=True))
    assistant = Provider.objects.filter(kind="personal_assistant").annotate(lowest=Min("prices__amount")).first()
    assert assistant is not None
    assert assistant.lowest_hourly_price is not None


def test_agencies_are_registered_with_the_cqc_and_day_services_have_premises(county):
    agencies = Provider.objects.filter(kind=Provider.Kind.HOME_CARE_AGENCY)
    assert not agencies.filter(cqc_location_id="").exists()
    day_services = Provider.objects.filter(kind=Provider.Kind.DAY_SERVICE).annotate(premises=Count("locations"))
    assert not day_services.filter(premises=0).exists()
    location = ProviderLocation.objects.filter(provider__kind=Provider.Kind.DAY_SERVICE).first()
    assert location is not None
    assert location.postcode.startswith("WE")
    assert location.latitude is not None


def test_cqc_ratings_follow_the_local_shares():
    planner = CountyPlanner.__new__(CountyPlanner)
    planner.rng = random.Random(1)
    ratings = Counter(planner.pick_weighted(CQC_RATING_SHARES) for _ in range(20_000))
    good_or_outstanding = share(ratings[Provider.CqcRating.GOOD] + ratings[Provider.CqcRating.OUTSTANDING], 20_000)
    assert 0.85 < good_or_outstanding < 0.89
    assert 0.10 < share(ratings[Provider.CqcRating.REQUIRES_IMPROVEMENT], 20_000) < 0.14
    assert 0.005 < share(ratings[Provider.CqcRating.INADEQUATE], 20_000) < 0.02


def test_suspended_and_withdrawn_listings_say_why(county):
    for provider in Provider.objects.filter(status__in=["suspended", "withdrawn"]):
        change = provider.status_changes.get()
        assert change.to_status == provider.status
        assert change.reason
        assert change.changed_by.email == "commissioner@demo.example"


def test_demo_logins_hold_their_roles(county):
    emails = {login.email for login in county.logins}
    assert {
        "admin@demo.example",
        "commissioner@demo.example",
        "editor@demo.example",
        "provider@demo.example",
        "pa@demo.example",
        "dp-holder@demo.example",
    } <= emails
    commissioner = User.objects.get(email="commissioner@demo.example")
    assert commissioner.check_password(DEMO_PASSWORD)
    assert commissioner.groups.filter(name=COMMISSIONERS).exists()
    assert commissioner.is_staff
    assert commissioner.has_perm("wagtailadmin.access_admin")
    assert User.objects.get(email="editor@demo.example").groups.filter(name=EDITORS).exists()
    assert User.objects.get(email="admin@demo.example").is_superuser
    provider_owner = ProviderMembership.objects.get(user__email="provider@demo.example")
    assert (provider_owner.role, provider_owner.provider.kind) == ("owner", "micro_provider")
    assert ProviderMembership.objects.get(user__email="pa@demo.example").provider.kind == "personal_assistant"
    holder = DirectPaymentHolder.objects.get(user__email="dp-holder@demo.example")
    assert holder.agents.get().agent.email == "family@demo.example"


def test_direct_payment_holders_about_half_helped_by_someone(county):
    holders = DirectPaymentHolder.objects.count()
    assert holders == 541  # 2,700 x 0.2, plus the demo holder
    assert ActingFor.objects.exists()
    generated = User.objects.filter(email__endswith="@people.demo.example").first()
    assert generated is not None
    assert not generated.has_usable_password()


def test_direct_payment_holders_have_primary_needs_in_the_county_shares(county):
    needs = Counter(DirectPaymentHolder.objects.values_list("primary_need", flat=True))
    total = sum(needs.values())
    shares = {need: count / total for need, count in needs.items()}
    expected = {"older-people": 0.40, "learning-disability": 0.24, "physical-disability": 0.20, "mental-health": 0.16}
    assert set(shares) == set(expected)
    for need, share in expected.items():
        assert shares[need] == pytest.approx(share, abs=0.05)
    assert not DirectPaymentHolder.objects.filter(locality=None).exists()


def test_council_settings_and_advice_pages(county, site):
    settings = CouncilSettings.for_site(site)
    assert settings.council_name == "Wendleshire County Council"
    personal_care = settings.managed_service_rates.get(service__slug="personal-care", unit="hour")
    assert personal_care.amount == Decimal("24.50")
    pages = AdvicePage.objects.live()
    assert {page.stage for page in pages} == {stage.value for stage in AdviceStage}
    assert all(page.has_easy_read for page in pages)  # every stage has an easy read version
    assert all(len(page.body) >= 5 for page in pages)
    assert settings.data_protection_officer_email == "dataprotection@wendleshire.example"
    assert "County Hall" in settings.data_protection_officer_address


def test_a_listing_based_in_a_town_is_in_that_towns_locality(county):
    """The site says "in the Dunmere area" from the locality; the text must not name a town outside it."""
    import re

    from marketplace.places.models import Place

    towns = dict(
        Place.objects.filter(kind__in=[Place.Kind.TOWN, Place.Kind.VILLAGE]).values_list("name", "locality_id")
    )
    checked = 0
    for summary, locality_id in Provider.objects.published().values_list("summary", "locality_id"):
        match = re.search(r"based in (.+?)(?:,| with|\.|$)", summary)
        if match and match.group(1) in towns:
            assert towns[match.group(1)] == locality_id, summary
            checked += 1
    assert checked > 5


@pytest.mark.django_db
def test_the_command_refuses_a_database_with_providers_unless_forced():
    demo_county_build(scale=0.01, seed=3, today=TODAY)
    count = Provider.objects.count()

    with pytest.raises(CommandError, match="already has"):
        call_command("load_demo_data", "--scale", "0.01", verbosity=0, stdout=StringIO())
    out = StringIO()
    call_command("load_demo_data", "--if-empty", verbosity=0, stdout=out)
    assert "leaving it as it is" in out.getvalue()
    assert Provider.objects.count() == count

    out = StringIO()
    call_command("load_demo_data", "--scale", "0.01", "--seed", "4", "--force", verbosity=0, stdout=out)
    assert "Password: demo-password-2026" in out.getvalue()
    assert Provider.objects.count() == count


@pytest.mark.django_db
def test_forcing_a_new_county_after_someone_paid_online_in_the_demo():
    """Paying in the demo leaves payments that protect invoices, holders and providers: --force removes them."""
    demo_county_build(scale=0.01, seed=3, today=TODAY)
    invoice = Invoice.objects.filter(status=Invoice.Status.PAYABLE).select_related("holder", "provider").first()
    assert invoice is not None
    account = PaymentAccount.objects.create(
        provider=invoice.provider, stripe_account_id="acct_demo", created_at=MOMENT, refreshed_at=MOMENT
    )
    payment = Payment.objects.create(
        holder=invoice.holder,
        provider=invoice.provider,
        payment_account=account,
        status=Payment.Status.SUCCEEDED,
        amount_pence=invoice.total_pence,
        idempotency_key="demo-tried",
        created_at=MOMENT,
        updated_at=MOMENT,
    )
    PaymentItem.objects.create(payment=payment, invoice=invoice, amount_pence=invoice.total_pence)

    demo_county_build(scale=0.01, seed=3, today=TODAY, force=True)

    assert not Payment.objects.exists()
    assert not PaymentAccount.objects.exists()
    assert Invoice.objects.exists()


@pytest.mark.django_db
def test_geography_gives_every_demo_locality_neighbours_and_ignores_other_places():
    from marketplace.demo.builder import DEMO_LOCALITY_MAP_FILE, DEMO_PLACES_FILE

    places_load_postcodes(path=DEMO_PLACES_FILE, locality_map_path=DEMO_LOCALITY_MAP_FILE)
    elsewhere = LocalityFactory(name="Elsewhere")
    PlaceFactory(kind=Place.Kind.POSTCODE, name="LE1 1AA", lookup_key="LE11AA", locality=elsewhere)
    geography = Geography(locality_names=read_locality_map(path=DEMO_LOCALITY_MAP_FILE).rural_by_locality)

    assert len(geography.localities) == 7
    assert all(len(neighbours) == 6 for neighbours in geography.neighbours.values())
    assert all(point.postcode.startswith("WE") for point in geography.points)


def test_the_shipped_places_files_are_what_the_generator_makes():
    postcodes, districts, towns = generate_places.generate(random.Random(generate_places.SEED))
    for name, rows in (
        ("demo_county_places.csv", postcodes),
        ("demo_county_localities.csv", districts),
        ("demo_county_towns.csv", towns),
    ):
        with (generate_places.DATA_DIR / name).open(newline="", encoding="utf-8") as stream:
            shipped = [tuple(row) for row in csv.reader(stream)][1:]
        assert shipped == [tuple(row) for row in rows], name


def test_the_market_view_shows_the_gaps_of_a_real_county(county):
    """Gaps in rural areas and specialist services (DOMAIN.md): the demo must have some for the view to show."""
    from marketplace.demo.builder import SPECIALIST_SERVICES
    from marketplace.insights.market import default_gap_service, market_supply, rural_gaps
    from marketplace.providers.models import ServiceType

    view = market_supply()
    specialist = set(ServiceType.objects.filter(slug__in=SPECIALIST_SERVICES).values_list("name", flat=True))
    rural_gap_count = sum(1 for cell in view.gaps if cell.is_rural)

    assert view.gaps
    assert rural_gap_count > len(view.gaps) - rural_gap_count  # more in the rural localities than the towns
    assert any(cell.service_name in specialist for cell in view.gaps)
    assert not [cell for cell in view.gaps if cell.service_name == "Personal care" and not cell.is_rural]
    villages = rural_gaps(service=default_gap_service(), miles=5)
    assert villages.gaps
    assert villages.covered_count > len(villages.gaps)


@pytest.mark.django_db
def test_the_command_reports_each_step_with_its_counts_and_time():
    out = StringIO()
    call_command("load_demo_data", "--scale", "0.01", "--seed", "4", stdout=out)
    lines = out.getvalue().splitlines()
    planned = sum(planned_provider_counts(0.01).values())
    assert lines[0] == f"Building the demo county: {planned} listings at scale 0.01."
    labels = (
        f"listings planned: {planned}",
        f"search fields: {planned} listings",
        "accreditation: ",
        "budgets: ",
        "the dashboard's log of changed providers emptied",
        "the query planner's statistics",
    )
    for label in labels:
        assert any(line.startswith(label) and line.endswith(" s in all)") for line in lines), label
    assert any(line.startswith("Took ") for line in lines)
    assert planner_statistics_of("accreditation_providercheck") > 0
    # The providers the build wrote are not left in the dashboard's change log for a commissioner's request.
    assert not ProviderChange.objects.exists()


def planner_statistics_of(table: str) -> int:
    """How many rows of planner statistics the database holds for a table (ANALYZE writes them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                return 0
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        else:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = %s", [table])
        return int(cursor.fetchone()[0])
