"""Which vetting checks a provider needs: its kind's CheckRequirements, evaluated against the provider.

Commissioners configure the requirements in the Wagtail admin (CheckType with
its inline "Required for" rows); the defaults come from migration 0003. A
requirement may hold always or under a condition, and may apply to the
provider itself or to each of its active workers.
"""

from marketplace.providers.models import Provider

from .models import CheckRequirement, CheckType, Worker

# The specialism or service whose slug contains this means the provider offers moving and handling.
MOVING_AND_HANDLING_SLUG = "moving-and-handling"

RequiredCheck = tuple[CheckType, Worker | None]


def offers_moving_and_handling(provider: Provider) -> bool:
    return (
        provider.specialisms.filter(slug__contains=MOVING_AND_HANDLING_SLUG).exists()
        or provider.services.filter(slug__contains=MOVING_AND_HANDLING_SLUG).exists()
    )


def condition_holds(condition: str, provider: Provider) -> bool:
    """Whether a requirement's condition is true of the provider."""
    match condition:
        case CheckRequirement.Condition.ALWAYS:
            return True
        case CheckRequirement.Condition.OFFERS_MOVING_AND_HANDLING:
            return offers_moving_and_handling(provider)
        case CheckRequirement.Condition.SERVES_FOOD:
            return provider.serves_food
        case CheckRequirement.Condition.REGULATED_ACTIVITY:
            return provider.carries_out_regulated_activity
        case CheckRequirement.Condition.INCORPORATED:
            return bool(provider.company_number.strip())
    return False


def requirements_for_kind(kind: str) -> list[CheckRequirement]:
    return list(
        CheckRequirement.objects.filter(provider_kind=kind)
        .select_related("check_type")
        .order_by("check_type__sort_order", "check_type__name")
    )


def needs_workers(provider: Provider) -> bool:
    """The provider's kind has checks for each worker, so it must name at least one."""
    return CheckRequirement.objects.filter(
        provider_kind=provider.kind, applies_to=CheckRequirement.AppliesTo.EACH_WORKER
    ).exists()


def required_checks(provider: Provider) -> list[RequiredCheck]:
    """Every (check type, worker or None) the provider needs, provider checks first, then each worker's."""
    requirements = [
        requirement
        for requirement in requirements_for_kind(provider.kind)
        if condition_holds(requirement.condition, provider)
    ]
    provider_level: list[RequiredCheck] = [
        (requirement.check_type, None)
        for requirement in requirements
        if requirement.applies_to == CheckRequirement.AppliesTo.PROVIDER
    ]
    worker_types = [
        requirement.check_type
        for requirement in requirements
        if requirement.applies_to == CheckRequirement.AppliesTo.EACH_WORKER
    ]
    worker_level: list[RequiredCheck] = []
    if worker_types:
        for worker in provider.workers.filter(is_active=True).order_by("full_name", "pk"):
            worker_level += [(check_type, worker) for check_type in worker_types]
    return provider_level + worker_level
