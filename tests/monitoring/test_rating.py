"""The documented rule that turns six domain ratings into an overall rating (rating.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.monitoring.models import DOMAIN_FIELDS, Rating
from marketplace.monitoring.rating import RATING_SCORE, IncompleteRatings, overall_rating
from tests.monitoring.conftest import ratings

SCALE = [Rating.EXCELLENT, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT, Rating.POOR]
six_ratings = st.lists(st.sampled_from(SCALE), min_size=6, max_size=6).map(
    lambda values: dict(zip(DOMAIN_FIELDS, values, strict=True))
)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (("good",) * 6, Rating.GOOD),
        (("excellent",) * 6, Rating.EXCELLENT),
        (("excellent",) * 4 + ("good", "good"), Rating.EXCELLENT),
        (("excellent",) * 3 + ("good",) * 3, Rating.GOOD),
        (("excellent",) * 5 + ("requires_improvement",), Rating.GOOD),
        (("requires_improvement",) + ("good",) * 5, Rating.GOOD),
        (("requires_improvement", "requires_improvement") + ("excellent",) * 4, Rating.REQUIRES_IMPROVEMENT),
        (("requires_improvement",) * 6, Rating.REQUIRES_IMPROVEMENT),
        (("poor",) + ("excellent",) * 5, Rating.POOR),
        (("good",) * 5 + ("poor",), Rating.POOR),
    ],
)
def test_the_rule_on_typical_visits(values, expected):
    assert overall_rating(ratings(*values)).rating == expected


def test_the_explanation_names_the_domains_that_decided_it():
    result = overall_rating(ratings("good", "good", "good", "good", "poor", "requires_improvement"))
    assert result.rating == Rating.POOR
    assert result.explanation == "Poor because environment, equipment and safety is Poor."

    result = overall_rating(ratings("requires_improvement", "good", "good", "good", "good", "requires_improvement"))
    assert "assessment and care planning and leadership and management" in result.explanation


def test_every_domain_must_be_rated():
    incomplete = ratings()
    incomplete["worker_knowledge"] = ""
    del incomplete["leadership_and_management"]
    with pytest.raises(IncompleteRatings, match="Not rated: worker knowledge and leadership and management"):
        overall_rating(incomplete)


def test_a_value_off_the_scale_counts_as_not_rated():
    with pytest.raises(IncompleteRatings, match="assessment and care planning"):
        overall_rating(ratings("outstanding"))


@given(six_ratings)
def test_poor_exactly_when_a_domain_is_poor(values):
    assert (overall_rating(values).rating == Rating.POOR) == (Rating.POOR in values.values())


@given(six_ratings)
def test_excellent_only_with_four_excellent_and_none_below_good(values):
    if overall_rating(values).rating == Rating.EXCELLENT:
        assert sum(value == Rating.EXCELLENT for value in values.values()) >= 4
        assert all(RATING_SCORE[value] >= RATING_SCORE[Rating.GOOD] for value in values.values())


@given(six_ratings)
def test_requires_improvement_exactly_when_two_domains_do_and_none_is_poor(values):
    listed = list(values.values())
    expected = Rating.POOR not in listed and listed.count(Rating.REQUIRES_IMPROVEMENT) >= 2
    assert (overall_rating(values).rating == Rating.REQUIRES_IMPROVEMENT) == expected


@given(six_ratings, st.sampled_from(DOMAIN_FIELDS))
def test_raising_one_domain_never_lowers_the_overall_rating(values, domain):
    before = RATING_SCORE[overall_rating(values).rating]
    better = {rating: score for rating, score in RATING_SCORE.items() if score > RATING_SCORE[values[domain]]}
    for rating in better:
        assert RATING_SCORE[overall_rating({**values, domain: rating}).rating] >= before


@given(six_ratings)
def test_the_overall_rating_is_never_better_than_the_best_domain_or_worse_than_the_worst(values):
    scores = [RATING_SCORE[value] for value in values.values()]
    assert min(scores) <= RATING_SCORE[overall_rating(values).rating] <= max(scores)
