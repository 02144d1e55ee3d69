"""Which checks each kind of provider needs: the defaults from migration 0003, evaluated per provider."""

import pytest

from marketplace.accreditation.models import CheckRequirement, CheckType
from marketplace.accreditation.requirements import needs_workers, required_checks
from marketplace.providers.models import Provider
from tests.factories import ProviderFactory, ServiceTypeFactory, SpecialismFactory, WorkerFactory

pytestmark = pytest.mark.django_db

PA_CHECKS = [
    "enhanced-dbs",
    "reference-1",
    "reference-2",
    "right-to-work",
    "public-liability-insurance",
    "safeguarding-adults-training",
    "first-aid-training",
]
ORGANISATION_CHECKS = [
    "public-liability-insurance",
    "employers-liability-insurance",
    "safeguarding-policy",
    "health-and-safety-policy",
    "recruitment-policy",
    "complaints-policy",
]


def codes(pairs):
    return [check_type.code for check_type, _ in pairs]


def test_a_personal_assistant_needs_the_personal_assistant_checks():
    provider = ProviderFactory(kind=Provider.Kind.PERSONAL_ASSISTANT)
    required = required_checks(provider)
    assert sorted(codes(required)) == sorted(PA_CHECKS)
    assert all(worker is None for _, worker in required)


def test_a_personal_assistant_offering_moving_and_handling_needs_that_training():
    hoists = SpecialismFactory(name="Moving and handling (hoists)", slug="moving-and-handling")
    provider = ProviderFactory(kind=Provider.Kind.PERSONAL_ASSISTANT, specialisms=[hoists])
    assert "moving-and-handling-training" in codes(required_checks(provider))


def test_a_service_whose_slug_mentions_moving_and_handling_counts_too():
    service = ServiceTypeFactory(name="Hoist transfers", slug="moving-and-handling-transfers")
    provider = ProviderFactory(kind=Provider.Kind.PERSONAL_ASSISTANT, services=[service])
    assert "moving-and-handling-training" in codes(required_checks(provider))


def test_the_dbs_check_records_a_certificate_number_and_lasts_three_years_by_default():
    dbs = CheckType.objects.get(code="enhanced-dbs")
    assert dbs.has_certificate_number
    assert dbs.has_expiry
    assert dbs.default_validity_months == 36


def test_a_micro_provider_needs_the_personal_assistant_checks_for_each_worker_and_its_own():
    provider = ProviderFactory(kind=Provider.Kind.MICRO_PROVIDER)
    first = WorkerFactory(provider=provider, full_name="Amira Khan")
    second = WorkerFactory(provider=provider, full_name="Ben Lowe")
    WorkerFactory(provider=provider, full_name="Left Already", is_active=False)

    required = required_checks(provider)

    provider_level = [check_type.code for check_type, worker in required if worker is None]
    assert sorted(provider_level) == sorted(ORGANISATION_CHECKS)
    for worker in (first, second):
        worker_codes = [check_type.code for check_type, who in required if who == worker]
        assert sorted(worker_codes) == sorted(code for code in PA_CHECKS if code != "public-liability-insurance")
    assert {who.full_name for _, who in required if who} == {"Amira Khan", "Ben Lowe"}
    assert needs_workers(provider)


def test_a_day_service_adds_fire_risk_and_only_serving_food_or_regulated_activity_adds_more():
    plain = ProviderFactory(kind=Provider.Kind.DAY_SERVICE)
    plain_codes = codes(required_checks(plain))
    assert "fire-risk-assessment" in plain_codes
    assert "food-hygiene-rating" not in plain_codes
    assert "cqc-registration" not in plain_codes
    assert set(ORGANISATION_CHECKS) <= set(plain_codes)

    cooking = ProviderFactory(kind=Provider.Kind.DAY_SERVICE, serves_food=True, carries_out_regulated_activity=True)
    cooking_codes = codes(required_checks(cooking))
    assert "food-hygiene-rating" in cooking_codes
    assert "cqc-registration" in cooking_codes


def test_a_home_care_agency_needs_cqc_registration_and_rating():
    agency = ProviderFactory(kind=Provider.Kind.HOME_CARE_AGENCY)
    assert codes(required_checks(agency)) == ["cqc-registration"]
    cqc = CheckType.objects.get(code="cqc-registration")
    assert cqc.has_rating
    assert "Good" in cqc.rating_choices
    assert not needs_workers(agency)


def test_commissioners_can_add_a_requirement_under_a_condition():
    check = CheckType.objects.get(code="employers-liability-insurance")
    CheckRequirement.objects.create(
        check_type=check,
        provider_kind=Provider.Kind.HOME_CARE_AGENCY,
        condition=CheckRequirement.Condition.INCORPORATED,
    )
    sole_trader = ProviderFactory(kind=Provider.Kind.HOME_CARE_AGENCY)
    company = ProviderFactory(kind=Provider.Kind.HOME_CARE_AGENCY, company_number="01234567")
    assert "employers-liability-insurance" not in codes(required_checks(sole_trader))
    assert "employers-liability-insurance" in codes(required_checks(company))


def test_other_providers_need_nothing_by_default():
    assert required_checks(ProviderFactory(kind=Provider.Kind.OTHER)) == []
