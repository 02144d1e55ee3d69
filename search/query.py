"""What a directory search asks and what it answers, whatever the backend."""

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class ProviderSearch:
    """A validated search. Lists within one facet narrow (a provider must match all)."""

    text: str = ""
    kinds: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    client_groups: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    worker_gender: WorkerGender | None = None
    days: tuple[Day, ...] = ()
    parts_of_day: tuple[PartOfDay, ...] = ()
    max_hourly_price: Decimal | None = None
    near: Point | None = None
    radius_miles: int = 10
    is_taking_new_clients_only: bool = False
    is_accredited_only: bool = False
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    page_size: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


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
