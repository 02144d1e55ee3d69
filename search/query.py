"""What a directory search asks and what it answers, whatever the backend."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from marketplace.providers.availability import Day, PartOfDay


class Sort(StrEnum):
    RELEVANCE = "relevance"
    DISTANCE = "distance"
    PRICE = "price"


class WorkerGender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"


@dataclass(frozen=True)
class Point:
    """A resolved place the searcher is near."""

    label: str
    latitude: float
    longitude: float
    # Set when the point came from a place in the places table, for "serves this place".
    locality_slug: str = ""
    postcode_district: str = ""


@dataclass(frozen=True)
class ProviderSearch:
    """A validated search. Lists within one facet narrow (a provider must match all)."""

    text: str = ""
    kinds: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    client_groups: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    specialisms: tuple[str, ...] = ()
    # Facet names ("services", "client_groups", "specialisms", "languages") in
    # each of which a provider must have at least one term, whichever it is.
    has_any_term_in: tuple[str, ...] = ()
    worker_gender: WorkerGender | None = None
    days: tuple[Day, ...] = ()
    parts_of_day: tuple[PartOfDay, ...] = ()
    max_hourly_price: Decimal | None = None
    near: Point | None = None
    radius_miles: float = 10
    # Only providers whose area served covers this place: one of its localities
    # served is the place's locality, one of its postcode districts served is
    # the place's district, or the place is within its travel radius of its base.
    served_place: Point | None = None
    # Only listings changed (Provider.updated_at) at or after this moment.
    modified_after: datetime | None = None
    is_taking_new_clients_only: bool = False
    is_accredited_only: bool = False
    # When the words typed name a service, the search offers that service instead
    # of matching the words: the words and the service's name, for the page to say so.
    service_named_by_words: str = ""
    named_service: str = ""
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    page_size: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def chosen_terms(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(taxonomy, the slugs chosen in it) for each taxonomy a listing must match every chosen term of."""
        return (
            ("services", self.services),
            ("client_groups", self.client_groups),
            ("languages", self.languages),
            ("specialisms", self.specialisms),
        )


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class ProviderHit:
    """One result: the provider row plus what the search worked out about it."""

    provider: Any
    distance_miles: float | None = None
    matched_price: Decimal | None = None


@dataclass
class SearchResults:
    hits: list[ProviderHit]
    total: int
    page: int
    page_size: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    backend: str = "database"
    notices: list[str] = field(default_factory=list)

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def first_index(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.page_size + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.page_size)
