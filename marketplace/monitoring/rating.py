"""The documented rule that turns six domain ratings into a visit's overall rating.

Applied in this order; the first that matches decides:

1. Any domain rated Poor                                  -> Poor
2. Two or more domains rated Requires improvement         -> Requires improvement
3. Four or more domains Excellent and none below Good     -> Excellent
4. Otherwise (at most one Requires improvement)           -> Good

So one weak domain (a single Requires improvement) does not pull a service
below Good, two do; one Poor domain always does; and Excellent needs most
domains Excellent with nothing weak. The rule is monotonic: raising any domain
never lowers the overall rating (tests/monitoring/test_rating.py checks it).
See docs/decisions/0018-monitoring-rating-rule.md for why.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from .models import DOMAIN_FIELDS, Domain, Rating

EXCELLENT_DOMAINS_NEEDED = 4
REQUIRES_IMPROVEMENT_DOMAINS_FOR_OVERALL = 2

# Higher is better; used for comparisons and for "never lowers" checks.
RATING_SCORE: dict[str, int] = {
    Rating.POOR: 0,
    Rating.REQUIRES_IMPROVEMENT: 1,
    Rating.GOOD: 2,
    Rating.EXCELLENT: 3,
}


class IncompleteRatings(ValueError):
    """Not every domain has a valid rating; the message names those missing."""


@dataclass(frozen=True)
class OverallRating:
    rating: Rating
    explanation: str


def _labels(domains: list[str]) -> str:
    names = [Domain(domain).label.lower() for domain in domains]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def missing_domains(ratings: Mapping[str, str]) -> list[str]:
    """The domains with no valid rating, in the usual order."""
    return [domain for domain in DOMAIN_FIELDS if ratings.get(domain) not in RATING_SCORE]


def overall_rating(ratings: Mapping[str, str]) -> OverallRating:
    """The overall rating of six domain ratings (keyed by Domain value), with the reason in words.

    Raises IncompleteRatings when a domain is missing or not on the scale.
    """
    missing = missing_domains(ratings)
    if missing:
        raise IncompleteRatings(f"Rate every domain before finalising. Not rated: {_labels(missing)}.")
    values = {domain: Rating(ratings[domain]) for domain in DOMAIN_FIELDS}
    poor = [domain for domain, rating in values.items() if rating == Rating.POOR]
    requires_improvement = [domain for domain, rating in values.items() if rating == Rating.REQUIRES_IMPROVEMENT]
    excellent = [domain for domain, rating in values.items() if rating == Rating.EXCELLENT]

    if poor:
        return OverallRating(Rating.POOR, f"Poor because {_labels(poor)} {'is' if len(poor) == 1 else 'are'} Poor.")
    if len(requires_improvement) >= REQUIRES_IMPROVEMENT_DOMAINS_FOR_OVERALL:
        return OverallRating(
            Rating.REQUIRES_IMPROVEMENT,
            f"Requires improvement because {len(requires_improvement)} domains require improvement: "
            f"{_labels(requires_improvement)}.",
        )
    if len(excellent) >= EXCELLENT_DOMAINS_NEEDED and not requires_improvement:
        return OverallRating(
            Rating.EXCELLENT, f"Excellent because {len(excellent)} domains are Excellent and none is below Good."
        )
    if requires_improvement:
        return OverallRating(
            Rating.GOOD,
            f"Good: only one domain ({_labels(requires_improvement)}) requires improvement, and none is Poor.",
        )
    return OverallRating(
        Rating.GOOD,
        f"Good: no domain is below Good; Excellent needs {EXCELLENT_DOMAINS_NEEDED} Excellent domains and there "
        f"{'is' if len(excellent) == 1 else 'are'} {len(excellent)}.",
    )
