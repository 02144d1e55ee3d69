"""The default vetting checks for each kind of provider (issue 3, item 4).

Creates the check types and their requirements once, matched by code, so a
commissioner's later edits in the admin are never overwritten. Reversing it
removes the defaults no provider has used.

- Personal assistant: enhanced DBS with the adults' barred list, two references,
  right to work, public liability insurance, safeguarding adults training, first
  aid, and moving and handling training where it is offered.
- Micro-provider: the personal assistant's checks for each worker, four
  policies, and public and employer's liability insurance.
- Day service: the micro-provider's, plus a fire risk assessment, a food
  hygiene rating where food is served and CQC registration where the activity
  is regulated.
- Home care agency: CQC registration and rating.
"""

from django.db import migrations

PERSONAL_ASSISTANT = "personal_assistant"
MICRO_PROVIDER = "micro_provider"
DAY_SERVICE = "day_service"
HOME_CARE_AGENCY = "home_care_agency"

ALWAYS = "always"
MOVING_AND_HANDLING = "moving_and_handling"
SERVES_FOOD = "serves_food"
REGULATED_ACTIVITY = "regulated_activity"

PROVIDER = "provider"
EACH_WORKER = "each_worker"

# code, name, public description, guidance, options
CHECK_TYPES = [
    (
        "enhanced-dbs",
        "Enhanced DBS check with adults' barred list",
        "Enhanced DBS check with the adults' barred list",
        "Upload both sides of the certificate. Give its 12-digit number: we keep it encrypted and never show it "
        "in full. If the certificate is on the DBS Update Service, say so and give the surname and date of birth "
        "on it so we can check its status.",
        {"default_validity_months": 36, "has_certificate_number": True},
    ),
    (
        "reference-1",
        "First reference",
        "Two references checked",
        "A written reference from a recent employer or someone who has known you for at least two years in a "
        "professional role. Not a relative.",
        {"has_expiry": False, "reference_label": "Name of the referee"},
    ),
    (
        "reference-2",
        "Second reference",
        "Two references checked",
        "A second written reference, from someone other than your first referee. Not a relative.",
        {"has_expiry": False, "reference_label": "Name of the referee"},
    ),
    (
        "right-to-work",
        "Right to work in the UK",
        "Right to work in the UK checked",
        "A passport, a share code result from GOV.UK or another document from the Home Office's list. If your "
        "permission to work has a time limit, give the date it ends.",
        {"reference_label": "Share code (if you have one)"},
    ),
    (
        "public-liability-insurance",
        "Public liability insurance",
        "Public liability insurance",
        "The insurance schedule showing the cover, the policy number and the dates it runs.",
        {"default_validity_months": 12, "reference_label": "Policy number"},
    ),
    (
        "employers-liability-insurance",
        "Employer's liability insurance",
        "Employer's liability insurance",
        "The certificate of employer's liability insurance, which the law requires when you employ anyone.",
        {"default_validity_months": 12, "reference_label": "Policy number"},
    ),
    (
        "safeguarding-adults-training",
        "Safeguarding adults training",
        "Safeguarding adults training",
        "The certificate from your most recent safeguarding adults course, showing its level and date.",
        {"default_validity_months": 36, "has_level": True},
    ),
    (
        "first-aid-training",
        "First aid training",
        "First aid training",
        "The certificate from your most recent first aid course.",
        {"default_validity_months": 36},
    ),
    (
        "moving-and-handling-training",
        "Moving and handling training",
        "Moving and handling training",
        "The certificate from your most recent moving and handling course (needed if you offer it).",
        {"default_validity_months": 12},
    ),
    (
        "safeguarding-policy",
        "Safeguarding policy",
        "Safeguarding policy reviewed",
        "Your current safeguarding adults policy, with the date it was last reviewed as the issue date.",
        {"default_validity_months": 12},
    ),
    (
        "health-and-safety-policy",
        "Health and safety policy",
        "Health and safety policy reviewed",
        "Your current health and safety policy, with the date it was last reviewed as the issue date.",
        {"default_validity_months": 12},
    ),
    (
        "recruitment-policy",
        "Recruitment policy",
        "Safe recruitment policy reviewed",
        "Your current recruitment policy (how you check the people you take on), with the date it was last "
        "reviewed as the issue date.",
        {"default_validity_months": 12},
    ),
    (
        "complaints-policy",
        "Complaints policy",
        "Complaints policy reviewed",
        "Your current complaints policy, with the date it was last reviewed as the issue date.",
        {"default_validity_months": 12},
    ),
    (
        "fire-risk-assessment",
        "Fire risk assessment",
        "Fire risk assessment of the premises",
        "The current fire risk assessment for each place people attend.",
        {"default_validity_months": 12},
    ),
    (
        "food-hygiene-rating",
        "Food hygiene rating",
        "Food hygiene rating",
        "Your rating from the Food Standards Agency, with the date of the inspection as the issue date.",
        {"has_expiry": False, "has_rating": True, "rating_choices": "5, 4, 3, 2, 1, 0"},
    ),
    (
        "cqc-registration",
        "CQC registration and rating",
        "Registered with the Care Quality Commission",
        "Your CQC registration certificate, with the CQC location ID and your current overall rating.",
        {
            "has_expiry": False,
            "has_rating": True,
            "rating_choices": "Outstanding, Good, Requires improvement, Inadequate, Not yet rated",
            "reference_label": "CQC location ID",
        },
    ),
]

PERSONAL_ASSISTANT_CHECKS = [
    ("enhanced-dbs", ALWAYS),
    ("reference-1", ALWAYS),
    ("reference-2", ALWAYS),
    ("right-to-work", ALWAYS),
    ("safeguarding-adults-training", ALWAYS),
    ("first-aid-training", ALWAYS),
    ("moving-and-handling-training", MOVING_AND_HANDLING),
]
ORGANISATION_CHECKS = [
    ("safeguarding-policy", ALWAYS),
    ("health-and-safety-policy", ALWAYS),
    ("recruitment-policy", ALWAYS),
    ("complaints-policy", ALWAYS),
    ("public-liability-insurance", ALWAYS),
    ("employers-liability-insurance", ALWAYS),
]

# (check code, provider kind, condition, applies to)
REQUIREMENTS = (
    [(code, PERSONAL_ASSISTANT, condition, PROVIDER) for code, condition in PERSONAL_ASSISTANT_CHECKS]
    + [("public-liability-insurance", PERSONAL_ASSISTANT, ALWAYS, PROVIDER)]
    + [(code, MICRO_PROVIDER, condition, EACH_WORKER) for code, condition in PERSONAL_ASSISTANT_CHECKS]
    + [(code, MICRO_PROVIDER, condition, PROVIDER) for code, condition in ORGANISATION_CHECKS]
    + [(code, DAY_SERVICE, condition, EACH_WORKER) for code, condition in PERSONAL_ASSISTANT_CHECKS]
    + [(code, DAY_SERVICE, condition, PROVIDER) for code, condition in ORGANISATION_CHECKS]
    + [
        ("fire-risk-assessment", DAY_SERVICE, ALWAYS, PROVIDER),
        ("food-hygiene-rating", DAY_SERVICE, SERVES_FOOD, PROVIDER),
        ("cqc-registration", DAY_SERVICE, REGULATED_ACTIVITY, PROVIDER),
        ("cqc-registration", HOME_CARE_AGENCY, ALWAYS, PROVIDER),
    ]
)


def create_defaults(apps, schema_editor):
    CheckType = apps.get_model("accreditation", "CheckType")
    CheckRequirement = apps.get_model("accreditation", "CheckRequirement")
    types = {}
    for order, (code, name, public_description, guidance, options) in enumerate(CHECK_TYPES):
        defaults = {
            "name": name,
            "public_description": public_description,
            "guidance": guidance,
            "sort_order": (order + 1) * 10,
            "has_expiry": True,
            "needs_evidence": True,
            **options,
        }
        types[code], _ = CheckType.objects.get_or_create(code=code, defaults=defaults)
    for order, (code, kind, condition, applies_to) in enumerate(REQUIREMENTS):
        CheckRequirement.objects.get_or_create(
            check_type=types[code],
            provider_kind=kind,
            defaults={"condition": condition, "applies_to": applies_to, "sort_order": order},
        )


def remove_unused_defaults(apps, schema_editor):
    CheckType = apps.get_model("accreditation", "CheckType")
    codes = [code for code, *_ in CHECK_TYPES]
    CheckType.objects.filter(code__in=codes, checks__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("accreditation", "0002_check_labels_and_verified_expiry")]

    operations = [migrations.RunPython(create_defaults, remove_unused_defaults)]
