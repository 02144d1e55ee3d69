"""Result cards filled into the drawing of their shape (decision 0067).

`card_html` must give exactly what the card template draws from the same
card, whatever the card's shape (its booleans, which texts are empty) and
whatever its texts hold, markup included; and `result_cards` must write each
card's days, distance and price as the template's filters did.
"""

from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from cms.directory import CARD_TEMPLATE, Card, card_html, card_shapes, day_text, result_cards
from marketplace.providers.models import Provider
from search.query import ProviderHit, SearchResults

HOLE = "\x00hole\x00"
# Texts with everything HTML gives meaning to, quotes included, and text that looks like a hole's mark.
TEXTS = st.text(alphabet=st.sampled_from(["a", " ", "&", "<", ">", '"', "'", "é", "\x00", "{", "}", "%"]), max_size=12)


def drawn(card: Card) -> str:
    return render_to_string(CARD_TEMPLATE, {"card": card, "hole": HOLE})


@given(
    texts=st.fixed_dictionaries({name: TEXTS for name in Card._fields if Card.__annotations__[name] is str}),
    flags=st.fixed_dictionaries({name: st.booleans() for name in Card._fields if Card.__annotations__[name] is bool}),
)
def test_a_card_filled_into_its_shape_is_the_card_the_template_draws(texts: dict, flags: dict) -> None:
    card = Card(**texts, **flags)
    assert card_html(card, HOLE) == drawn(card)


def test_every_shape_is_drawn_once_and_filled_for_each_card() -> None:
    card_shapes.clear()
    one = Card(
        page_url="/directory/",
        remove_url="/shortlist/remove/",
        uuid="6f1c",
        slug="willow-care",
        name="Willow <Care> & Co",
        kind="Personal assistant",
        locality="",
        is_accredited=True,
        accredited_since="March 2021",
        is_taking_new_clients=False,
        availability_is_stale=True,
        availability_confirmed_on="",
        paid_online=False,
        summary="Help at home",
        distance="2.4 miles away",
        matched_price="£18.00",
    )
    other = one._replace(slug="oak-care", name="Oak Care", summary="Days out", matched_price="£21.50")
    assert card_html(one, HOLE) == drawn(one)
    assert card_html(other, HOLE) == drawn(other)
    assert len(card_shapes) == 1  # the same shape: drawn once
    assert "Willow &lt;Care&gt; &amp; Co" in card_html(one, HOLE)
    assert card_html(one._replace(locality="Wendlebury"), HOLE) == drawn(one._replace(locality="Wendlebury"))
    assert len(card_shapes) == 2


def test_days_are_written_as_the_date_filter_writes_them_in_the_language_shown() -> None:
    assert day_text(date(2021, 3, 1), "F Y", "en-gb") == "March 2021"
    assert day_text(date(2026, 12, 4), "j F Y", "en-gb") == "4 December 2026"
    assert day_text(None, "j F Y", "en-gb") == ""
    with override("fr"):
        assert day_text(date(2021, 3, 1), "F Y", "fr") == "mars 2021"


def test_a_results_card_shows_the_listings_days_distance_and_price() -> None:
    provider = Provider(
        pk=1,
        name="Willow Care",
        slug="willow-care",
        kind=Provider.Kind.DAY_SERVICE,
        summary="Days out",
        status=Provider.Status.PUBLISHED,
        accredited_since=date(2021, 3, 1),
        availability_confirmed_on=date(2026, 11, 20),
    )
    results = SearchResults(
        hits=[ProviderHit(provider=provider, distance_miles=1.0, matched_price=Decimal("18.5"))],
        total=1,
        page=1,
        page_size=20,
    )
    (card,) = result_cards({"results": results, "paid_online": set()}, page_url="/directory/", hole=HOLE)
    assert "Day service" in card
    assert "last confirmed on 20 November 2026" in card
    assert "1 mile away" in card
    assert "From £18.50 an hour" in card
    assert 'href="/directory/willow-care/"' in card
