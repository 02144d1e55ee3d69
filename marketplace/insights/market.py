"""The market view: supply against need by locality and service, and the rural gaps.

Supply is what people could buy now: published providers offering a service
that serve a locality (their `localities_served`) and are taking new clients,
with the hours a week and places a day they say they have free. A provider
serving several localities has those hours once, not once in each: each
locality is given an equal share. A locality and service is a gap when nobody
there is taking new clients for it, or when its free capacity per direct
payment holder is under half the county's (few places have none at all in a
county of 1,600 providers; many have far less than others). Need is the number of direct payment
holders living in the locality, and by their primary need (older people,
learning disability, physical disability, mental health) against the
providers who support that client group. The rural gaps view lists
every town and village with no published personal assistant offering a chosen
service within a distance, measured as the crow flies (haversine) from the
place's centre to the assistant's base, in Python on bounded candidate sets:
providers are put in a grid of cells one radius wide, so each place is only
measured against the providers in its own and the eight neighbouring cells.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, FloatField, Min, OuterRef, Subquery, Sum
from django.db.models.functions import Cast, Coalesce

from marketplace.accounts.models import DirectPaymentHolder
from marketplace.adverts.models import Advert
from marketplace.engagement.models import Enquiry
from marketplace.places.models import Locality, Place
from marketplace.providers.models import Provider, ServiceType

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LATITUDE = 69.05
DEFAULT_GAP_MILES = 5
# A locality has short supply of a service when its free capacity per holder is under this share
# of the county's.
SHORT_SUPPLY_SHARE = 0.5
DEFAULT_GAP_SERVICE_SLUG = "personal-care"
GAP_PLACE_KINDS = (Place.Kind.TOWN, Place.Kind.VILLAGE)


def miles_between(latitude_1: float, longitude_1: float, latitude_2: float, longitude_2: float) -> float:
    """The great-circle (haversine) distance in miles."""
    phi_1, phi_2 = math.radians(latitude_1), math.radians(latitude_2)
    delta_phi = phi_2 - phi_1
    delta_lambda = math.radians(longitude_2 - longitude_1)
    a = math.sin(delta_phi / 2) ** 2 + math.cos(phi_1) * math.cos(phi_2) * math.sin(delta_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


# --- Supply against need ------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketCell:
    """One locality and one service: who could supply it now, and how many people there might need it."""

    locality_id: int
    locality_name: str
    is_rural: bool
    service_id: int
    service_name: str
    provider_count: int
    hours_per_week: int
    places_per_day: int
    holder_count: int
    # Measured need: what people there are asking for now and have not found.
    open_adverts: int = 0
    unfilled_enquiries: int = 0
    # The county's free capacity for the service per direct payment holder, to compare with.
    county_hours_per_holder: float = 0.0
    county_places_per_holder: float = 0.0

    @property
    def has_no_supply(self) -> bool:
        return self.provider_count == 0

    @property
    def has_short_supply(self) -> bool:
        """Holders live here and the free capacity per holder is under half the county's.

        Hours a week where the county's providers give hours for the service, else places a day.
        """
        if self.has_no_supply or not self.holder_count:
            return False
        if self.county_hours_per_holder:
            return self.hours_per_week / self.holder_count < SHORT_SUPPLY_SHARE * self.county_hours_per_holder
        if self.county_places_per_holder:
            return self.places_per_day / self.holder_count < SHORT_SUPPLY_SHARE * self.county_places_per_holder
        return False

    @property
    def is_gap(self) -> bool:
        return self.has_no_supply or self.has_short_supply

    @property
    def gap_text(self) -> str:
        if self.has_no_supply:
            return "Nobody taking new clients"
        if self.has_short_supply:
            return "Under half the county's free capacity per holder"
        return ""

    @property
    def demand(self) -> int:
        """Open adverts plus enquiries no provider has taken up: people looking for this service here now."""
        return self.open_adverts + self.unfilled_enquiries

    @property
    def has_unmet_demand(self) -> bool:
        """People here are asking for the service and nobody offering it is taking new clients."""
        return self.demand > 0 and self.has_no_supply

    @property
    def holders_per_provider(self) -> float | None:
        """Direct payment holders in the locality for each provider offering the service (None: no supply)."""
        if not self.provider_count:
            return None
        return round(self.holder_count / self.provider_count, 1)

    @property
    def area(self) -> str:
        return "Rural" if self.is_rural else "Urban"


@dataclass(frozen=True)
class NeedCell:
    """One locality and one primary need: the holders who have it, and who supports that client group there."""

    locality_id: int
    locality_name: str
    is_rural: bool
    need: str
    need_label: str
    holder_count: int
    provider_count: int
    hours_per_week: int

    @property
    def has_no_supply(self) -> bool:
        """People with this need live here and nobody supporting it is taking new clients."""
        return self.holder_count > 0 and self.provider_count == 0

    @property
    def holders_per_provider(self) -> float | None:
        if not self.provider_count:
            return None
        return round(self.holder_count / self.provider_count, 1)

    @property
    def area(self) -> str:
        return "Rural" if self.is_rural else "Urban"


@dataclass(frozen=True)
class MarketView:
    cells: tuple[MarketCell, ...]
    localities: tuple[Locality, ...]
    services: tuple[ServiceType, ...]
    needs: tuple[NeedCell, ...] = ()

    @property
    def need_gaps(self) -> tuple[NeedCell, ...]:
        return tuple(cell for cell in self.needs if cell.has_no_supply)

    @property
    def gaps(self) -> tuple[MarketCell, ...]:
        """Locality and service pairs nobody is taking new clients for, or with short supply for their holders."""
        return tuple(cell for cell in self.cells if cell.is_gap)

    @property
    def unmet_demand(self) -> tuple[MarketCell, ...]:
        """Pairs where people are asking (open adverts, unfilled enquiries) and nobody is taking new clients."""
        return tuple(cell for cell in self.cells if cell.has_unmet_demand)

    def holders_in(self, locality_id: int) -> int:
        return next((cell.holder_count for cell in self.cells if cell.locality_id == locality_id), 0)


def _share_of(field: str) -> Any:
    """A provider's capacity divided equally among the localities it serves (so it is counted once in all)."""
    through = Provider.localities_served.through
    served = (
        through.objects.filter(provider_id=OuterRef("pk"))
        .order_by()
        .values("provider_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Sum(Cast(Coalesce(F(field), 0), FloatField()) / Cast(Subquery(served), FloatField()))


def _supply() -> Any:
    return Provider.objects.published().filter(is_taking_new_clients=True).order_by()


def county_capacity_per_holder(services: tuple[ServiceType, ...]) -> dict[int, tuple[float, float]]:
    """(free hours a week, free places a day) per direct payment holder in the whole county, by service
    (2 queries). Each provider taking new clients and serving somewhere counts once."""
    serving_somewhere = Provider.localities_served.through.objects.values("provider_id")
    holders = DirectPaymentHolder.objects.filter(locality__isnull=False).count()
    if not holders:
        return {}
    totals = (
        _supply()
        .filter(pk__in=serving_somewhere, services__in=services)
        .values_list("services")
        .annotate(
            hours=Sum(Coalesce(F("capacity_hours_per_week"), 0)),
            places=Sum(Coalesce(F("capacity_places_per_day"), 0)),
        )
    )
    return {service: ((hours or 0) / holders, (places or 0) / holders) for service, hours, places in totals}


def market_supply(
    *, locality_ids: Iterable[int] | None = None, service_ids: Iterable[int] | None = None
) -> MarketView:
    """Every pair of locality and service, and of locality and primary need, zero or not, with supply,
    need, measured demand and the county's capacity per holder to compare with (10 queries)."""
    localities = Locality.objects.order_by("name")
    services = ServiceType.objects.order_by("sort_order", "name")
    if locality_ids is not None:
        localities = localities.filter(pk__in=list(locality_ids))
    if service_ids is not None:
        services = services.filter(pk__in=list(service_ids))
    locality_list, service_list = tuple(localities), tuple(services)

    # One row per (locality, service) the supply reaches: a provider joins each of its localities
    # once and each of its services once, so the sums count its share of capacity once per pair.
    supply = (
        _supply()
        .filter(localities_served__in=locality_list, services__in=service_list)
        .values_list("localities_served", "services")
        .annotate(
            providers=Count("id", distinct=True),
            hours=_share_of("capacity_hours_per_week"),
            places=_share_of("capacity_places_per_day"),
        )
    )
    by_pair = {
        (locality, service): (count, round(hours or 0), round(places or 0))
        for locality, service, count, hours, places in supply
    }
    holders = dict(
        DirectPaymentHolder.objects.filter(locality__in=locality_list)
        .order_by()
        .values_list("locality")
        .annotate(count=Count("id"))
        .values_list("locality", "count")
    )
    adverts, enquiries = measured_demand(locality_list, service_list)
    county = county_capacity_per_holder(service_list)
    cells = []
    for locality in locality_list:
        for service in service_list:
            count, hours, places = by_pair.get((locality.pk, service.pk), (0, 0, 0))
            county_hours, county_places = county.get(service.pk, (0.0, 0.0))
            cells.append(
                MarketCell(
                    locality_id=locality.pk,
                    locality_name=locality.name,
                    is_rural=locality.is_rural,
                    service_id=service.pk,
                    service_name=service.name,
                    provider_count=count,
                    hours_per_week=hours,
                    places_per_day=places,
                    holder_count=holders.get(locality.pk, 0),
                    open_adverts=adverts.get((locality.pk, service.pk), 0),
                    unfilled_enquiries=enquiries.get((locality.pk, service.pk), 0),
                    county_hours_per_holder=county_hours,
                    county_places_per_holder=county_places,
                )
            )
    return MarketView(
        cells=tuple(cells),
        localities=locality_list,
        services=service_list,
        needs=need_cells(locality_list, service_list if service_ids is not None else None),
    )


def measured_demand(
    localities: tuple[Locality, ...], services: tuple[ServiceType, ...]
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """Open adverts, and enquiries no provider has taken up, by (locality, service) (2 queries).

    An advert counts once for each service it asks for, in its own locality. An enquiry sent to
    several providers at once is one request; it is unfilled while none of them has said they
    can help, and counts in the holder's locality.
    """
    adverts = (
        Advert.objects.filter(status=Advert.Status.OPEN, locality__in=localities, services__in=services)
        .order_by()
        .values_list("locality", "services")
        .annotate(count=Count("id", distinct=True))
    )
    taken_up = Enquiry.objects.filter(status=Enquiry.Status.ACCEPTED).values("sent_together")
    enquiries = (
        Enquiry.objects.filter(holder__locality__in=localities, service__in=services)
        .exclude(sent_together__in=taken_up)
        .order_by()
        .values_list("holder__locality", "service")
        .annotate(count=Count("sent_together", distinct=True))
    )
    return (
        {(locality, service): count for locality, service, count in adverts},
        {(locality, service): count for locality, service, count in enquiries},
    )


def need_cells(localities: tuple[Locality, ...], services: tuple[ServiceType, ...] | None) -> tuple[NeedCell, ...]:
    """Holders by locality and primary need, against providers supporting that client group (2 queries).

    A primary need is a client group's slug; with services chosen, only providers offering one of them count.
    """
    needs = DirectPaymentHolder.PrimaryNeed
    supply = _supply().filter(localities_served__in=localities, client_groups__slug__in=needs.values)
    if services is not None:
        supply = supply.filter(pk__in=Provider.objects.filter(services__in=services).values("pk"))
    by_pair = {
        (locality, need): (count, round(hours or 0))
        for locality, need, count, hours in supply.values_list("localities_served", "client_groups__slug").annotate(
            providers=Count("id", distinct=True), hours=_share_of("capacity_hours_per_week")
        )
    }
    holders = {
        (locality, need): count
        for locality, need, count in DirectPaymentHolder.objects.filter(locality__in=localities)
        .exclude(primary_need="")
        .order_by()
        .values_list("locality", "primary_need")
        .annotate(count=Count("id"))
    }
    return tuple(
        NeedCell(
            locality_id=locality.pk,
            locality_name=locality.name,
            is_rural=locality.is_rural,
            need=need.value,
            need_label=str(need.label),
            holder_count=holders.get((locality.pk, need.value), 0),
            provider_count=by_pair.get((locality.pk, need.value), (0, 0))[0],
            hours_per_week=by_pair.get((locality.pk, need.value), (0, 0))[1],
        )
        for locality in localities
        for need in needs
    )


# --- Rural gaps ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceGap:
    """A town or village with no assistant offering the service within the distance."""

    place_id: int
    name: str
    kind: str
    locality_name: str
    is_rural: bool
    latitude: float
    longitude: float
    nearest_miles: float | None
    nearest_provider_name: str

    @property
    def nearest_miles_text(self) -> str:
        return f"{self.nearest_miles:.1f}" if self.nearest_miles is not None else "none in the area"


@dataclass(frozen=True)
class RuralGaps:
    service: ServiceType
    miles: float
    provider_kind: str
    places_checked: int
    providers_considered: int
    gaps: tuple[PlaceGap, ...]

    @property
    def covered_count(self) -> int:
        return self.places_checked - len(self.gaps)


@dataclass(frozen=True)
class _Point:
    latitude: float
    longitude: float
    name: str


class _Grid:
    """Points bucketed in cells `miles` tall and wide, so a search within `miles` reads 9 cells."""

    def __init__(self, points: Iterable[_Point], *, miles: float, reference_latitude: float) -> None:
        self.latitude_step = miles / MILES_PER_DEGREE_LATITUDE
        self.longitude_step = miles / (
            MILES_PER_DEGREE_LATITUDE * max(math.cos(math.radians(reference_latitude)), 0.01)
        )
        self.cells: dict[tuple[int, int], list[_Point]] = defaultdict(list)
        for point in points:
            self.cells[self.cell_of(point.latitude, point.longitude)].append(point)

    def cell_of(self, latitude: float, longitude: float) -> tuple[int, int]:
        return (math.floor(latitude / self.latitude_step), math.floor(longitude / self.longitude_step))

    def near(self, latitude: float, longitude: float) -> Iterable[_Point]:
        row, column = self.cell_of(latitude, longitude)
        for row_offset in (-1, 0, 1):
            for column_offset in (-1, 0, 1):
                yield from self.cells.get((row + row_offset, column + column_offset), ())


def _nearest(points: Iterable[_Point], latitude: float, longitude: float) -> tuple[float | None, str]:
    best: tuple[float | None, str] = (None, "")
    for point in points:
        distance = miles_between(latitude, longitude, point.latitude, point.longitude)
        if best[0] is None or distance < best[0]:
            best = (distance, point.name)
    return best


def rural_gaps(
    *,
    service: ServiceType,
    miles: float = DEFAULT_GAP_MILES,
    locality_ids: Iterable[int] | None = None,
    provider_kind: str = Provider.Kind.PERSONAL_ASSISTANT,
) -> RuralGaps:
    """Towns and villages with no published provider of `provider_kind` offering `service` based within
    `miles` (2 queries). For each gap, the nearest such provider however far, so commissioners see how short.
    """
    if miles <= 0:
        raise ValueError("The distance must be more than 0 miles.")
    # One point a location, not one a provider: assistants are placed at their postcode, so many share a point
    # (at a regional scale 84,000 assistants stand on 6,000 points). Each point keeps how many stand there and
    # the first of them by name, the one a gap names as nearest.
    located = (
        Provider.objects.published()
        .filter(kind=provider_kind, services=service, latitude__isnull=False, longitude__isnull=False)
        .values_list("latitude", "longitude")
        .annotate(first_name=Min("name"), count=Count("pk"))
        .order_by("latitude", "longitude")  # so of two points equally near, the same one is named every time
    )
    providers = []
    providers_considered = 0
    for latitude, longitude, name, count in located:
        providers.append(_Point(latitude=latitude, longitude=longitude, name=name))
        providers_considered += count
    places = Place.objects.filter(kind__in=GAP_PLACE_KINDS).select_related("locality").order_by("name", "id")
    if locality_ids is not None:
        places = places.filter(locality__in=list(locality_ids))
    place_list = list(places)
    reference_latitude = place_list[0].latitude if place_list else 52.0
    grid = _Grid(providers, miles=miles, reference_latitude=reference_latitude)

    gaps = []
    for place in place_list:
        has_one_near = any(
            miles_between(place.latitude, place.longitude, point.latitude, point.longitude) <= miles
            for point in grid.near(place.latitude, place.longitude)
        )
        if has_one_near:
            continue
        # Gaps are few; measuring each against every candidate is cheap and says how far the nearest is.
        nearest_miles, nearest_name = _nearest(providers, place.latitude, place.longitude)
        gaps.append(
            PlaceGap(
                place_id=place.pk,
                name=place.name,
                kind=place.get_kind_display(),
                locality_name=place.locality.name if place.locality else "",
                is_rural=bool(place.locality and place.locality.is_rural),
                latitude=place.latitude,
                longitude=place.longitude,
                nearest_miles=round(nearest_miles, 1) if nearest_miles is not None else None,
                nearest_provider_name=nearest_name,
            )
        )
    return RuralGaps(
        service=service,
        miles=miles,
        provider_kind=provider_kind,
        places_checked=len(place_list),
        providers_considered=providers_considered,
        gaps=tuple(gaps),
    )


def default_gap_service() -> ServiceType | None:
    """Personal care if the taxonomy has it, else the first service."""
    return (
        ServiceType.objects.filter(slug=DEFAULT_GAP_SERVICE_SLUG).first()
        or ServiceType.objects.order_by("sort_order", "name").first()
    )
