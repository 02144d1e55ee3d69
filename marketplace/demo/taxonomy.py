"""The directory's vocabularies: services, client groups, specialisms and languages.

Editors manage these in the Wagtail admin afterwards; `taxonomy_ensure_terms`
creates the starting set (matched by slug, so it never duplicates or renames
a term an editor has changed).
"""

from dataclasses import dataclass

from django.db import transaction

from marketplace.providers.models import ClientGroup, Language, ServiceType, Specialism


@dataclass(frozen=True)
class TaxonomyIds:
    services: dict[str, int]
    client_groups: dict[str, int]
    specialisms: dict[str, int]
    languages: dict[str, int]


SERVICES: tuple[tuple[str, str, str], ...] = (
    ("personal-care", "Personal care", "Help with washing, dressing, using the toilet and eating."),
    ("domestic-help", "Domestic help", "Cleaning, laundry, ironing and keeping the home safe and tidy."),
    (
        "shopping-and-meal-preparation",
        "Shopping and meal preparation",
        "Doing the shopping, or going together, and preparing meals and drinks.",
    ),
    ("medication-support", "Medication support", "Prompting or helping someone take prescribed medicines."),
    ("companionship", "Companionship", "Time together at home: conversation, hobbies and someone to rely on."),
    (
        "social-and-leisure",
        "Social and leisure",
        "Going out to clubs, the gym, the library, places of worship or to see friends.",
    ),
    (
        "sitting-service",
        "Sitting service",
        "Someone stays with the person so their carer can have a break or go out.",
    ),
    (
        "respite-and-short-breaks",
        "Respite and short breaks",
        "Planned breaks for carers, at home or away, from a few hours to a few days.",
    ),
    (
        "day-opportunities",
        "Day opportunities",
        "Day services and activities in the community (sometimes called Community Life Choices).",
    ),
    ("travel-support", "Travel support", "Getting to appointments, activities and work, by car or public transport."),
    (
        "employment-and-education-support",
        "Employment and education support",
        "Help finding and keeping work, volunteering or going to college.",
    ),
    ("overnight-support", "Overnight support", "Waking nights or sleep-in support at home."),
    (
        "support-with-finances-and-paperwork",
        "Support with finances and paperwork",
        "Help with letters, bills, budgeting and keeping direct payment records.",
    ),
    ("advocacy", "Advocacy", "Independent help to say what you want and to have your rights respected."),
)

CLIENT_GROUPS: tuple[tuple[str, str], ...] = (
    ("older-people", "Older people"),
    ("learning-disability", "Learning disability"),
    ("physical-disability", "Physical disability"),
    ("mental-health", "Mental health"),
    ("sensory-impairment", "Sensory impairment"),
    ("autism", "Autism"),
    ("carers", "Carers"),
)

SPECIALISMS: tuple[tuple[str, str], ...] = (
    ("dementia", "Dementia"),
    ("autism", "Autism"),
    ("learning-disability", "Learning disability"),
    ("moving-and-handling", "Moving and handling (hoists)"),
    ("peg-feeding", "PEG feeding"),
    ("epilepsy", "Epilepsy and rescue medication"),
    ("stroke-recovery", "Stroke recovery"),
    ("end-of-life-care", "End of life care"),
    ("parkinsons", "Parkinson's"),
    ("multiple-sclerosis", "Multiple sclerosis"),
    ("acquired-brain-injury", "Acquired brain injury"),
    ("catheter-and-stoma-care", "Catheter and stoma care"),
    ("diabetes", "Diabetes"),
    ("positive-behaviour-support", "Positive behaviour support"),
    ("visual-impairment", "Visual impairment"),
    ("hearing-loss", "Hearing loss and deafness"),
    ("mental-health-recovery", "Mental health recovery"),
)

LANGUAGES: tuple[tuple[str, str, str], ...] = (
    ("english", "English", "en"),
    ("british-sign-language", "British Sign Language", "bfi"),
    ("gujarati", "Gujarati", "gu"),
    ("punjabi", "Punjabi", "pa"),
    ("urdu", "Urdu", "ur"),
    ("hindi", "Hindi", "hi"),
    ("bengali", "Bengali", "bn"),
    ("polish", "Polish", "pl"),
    ("romanian", "Romanian", "ro"),
    ("somali", "Somali", "so"),
    ("arabic", "Arabic", "ar"),
)


@transaction.atomic
def taxonomy_ensure_terms() -> TaxonomyIds:
    """Create any missing starting terms and return every term's id by slug."""
    for order, (slug, name, description) in enumerate(SERVICES):
        ServiceType.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "sort_order": order}
        )
    for order, (slug, name) in enumerate(CLIENT_GROUPS):
        ClientGroup.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})
    for order, (slug, name) in enumerate(SPECIALISMS):
        Specialism.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})
    for order, (slug, name, code) in enumerate(LANGUAGES):
        Language.objects.get_or_create(slug=slug, defaults={"name": name, "code": code, "sort_order": order})
    return TaxonomyIds(
        services=dict(ServiceType.objects.values_list("slug", "pk")),
        client_groups=dict(ClientGroup.objects.values_list("slug", "pk")),
        specialisms=dict(Specialism.objects.values_list("slug", "pk")),
        languages=dict(Language.objects.values_list("slug", "pk")),
    )
