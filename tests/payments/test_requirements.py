"""Stripe's requirement codes in plain words."""

from fakestripe.resources.accounts import BANK_DETAILS_REQUIREMENTS, ONBOARDING_REQUIREMENTS
from marketplace.payments.requirements import FALLBACK, plain_requirement, plain_requirements


def test_each_code_the_fake_asks_for_has_plain_words() -> None:
    for code in [*ONBOARDING_REQUIREMENTS, *BANK_DETAILS_REQUIREMENTS]:
        assert plain_requirement(code) != FALLBACK, code


def test_parts_of_one_thing_make_one_sentence_in_stripes_order() -> None:
    codes = ["external_account", "individual.dob.day", "individual.dob.month", "individual.dob.year"]

    assert plain_requirements(codes) == [
        "Your bank account details, so the money can be paid to you",
        "Your date of birth",
    ]


def test_a_persons_codes_on_a_company_read_like_an_individuals() -> None:
    assert plain_requirement("person_1AbC.dob.day") == "Your date of birth"


def test_an_unknown_code_is_not_shown_as_a_code() -> None:
    assert plain_requirement("something.new") == FALLBACK
