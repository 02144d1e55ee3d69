"""Loading places from open data: postcodes, postcode districts, towns and localities.

Two postcode sources are supported, both streamed row by row so a national
file (about 2.7 million postcodes) never has to fit in memory:

- the ONS Postcode Directory (ONSPD) CSV: a header row with at least `pcds`,
  `lat` and `long`; postcodes without a grid reference carry lat 99.999999;
- OS Code-Point Open CSV: no header; postcode, positional quality, eastings,
  northings, ...; British National Grid (OSGB36) coordinates that we convert
  to WGS84 latitude and longitude with pyproj.

Each postcode district ('WE1') gets the mean position of its postcodes in the
file. Rows are upserted by their lookup key, so loading the same file twice
changes nothing, and a newer file moves the points it covers.
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import TextIO

from django.db import transaction
from django.utils.text import slugify
from pyproj import Transformer

from .models import Locality, Place
from .selectors import DISTRICT_PATTERN, lookup_key, normalise_postcode

DEFAULT_BATCH_SIZE = 2000
# The ONSPD marks postcodes with no grid reference with this latitude (and longitude 0).
ONS_NO_COORDINATES_LATITUDE = 99.999999
# Code-Point Open positional quality 90: no coordinates for the postcode.
CODEPOINT_NO_COORDINATES_QUALITY = 90
ONS_REQUIRED_COLUMNS = ("pcds", "lat", "long")
LOCALITY_MAP_REQUIRED_COLUMNS = ("district", "locality")
TOWNS_REQUIRED_COLUMNS = ("name", "kind", "lat", "long", "locality")
TRUE_WORDS = {"1", "true", "yes", "y", "rural"}


class PlacesFileError(Exception):
    """A places file that cannot be loaded; the message says which file, line and why."""


class PostcodeFileFormat(StrEnum):
    ONS = "ons"
    CODEPOINT = "codepoint"


@dataclass(frozen=True)
class PostcodePoint:
    postcode: str  # normalised: 'WE1 2AB'
    latitude: float
    longitude: float

    @property
    def district(self) -> str:
        return self.postcode.split()[0]

    @property
    def area(self) -> str:
        """The letters before the first digit: 'WE' for 'WE1 2AB'."""
        return self.postcode[: len(self.postcode) - len(self.postcode.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]


@dataclass
class PlacesLoadResult:
    """What a load did, for the command to print."""

    rows_read: int = 0
    postcodes_loaded: int = 0
    postcodes_created: int = 0
    rows_without_coordinates: int = 0
    rows_outside_areas: int = 0
    districts_loaded: int = 0
    localities_loaded: int = 0
    towns_loaded: int = 0
    districts_without_locality: list[str] = field(default_factory=list)

    @property
    def postcodes_updated(self) -> int:
        return self.postcodes_loaded - self.postcodes_created


# --- Reading the files ---------------------------------------------------------------------


def _open_csv(path: Path) -> TextIO:
    if not path.exists():
        raise PlacesFileError(f"{path}: no such file.")
    if path.is_dir():
        raise PlacesFileError(f"{path}: is a folder, not a CSV file.")
    # utf-8-sig: ONS files are sometimes saved with a byte order mark.
    return path.open(newline="", encoding="utf-8-sig")


def _header_checked_reader(stream: TextIO, required: tuple[str, ...]) -> tuple["csv.DictReader[str]", list[str]]:
    """A reader whose column names are stripped and lower-cased, and the required ones it lacks."""
    reader = csv.DictReader(stream)
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
    return reader, [name for name in required if name not in reader.fieldnames]


def _parse_float(value: str, *, path: Path, line: int, column: str) -> float:
    try:
        return float(Decimal(value.strip()))
    except (InvalidOperation, ValueError):
        raise PlacesFileError(f"{path}, line {line}: {column} “{value}” is not a number.") from None


def _parse_postcode(value: str, *, path: Path, line: int) -> str:
    postcode = normalise_postcode(value)
    if postcode is None:
        raise PlacesFileError(f"{path}, line {line}: “{value.strip()}” is not a UK postcode.")
    return postcode


def read_ons_postcodes(*, path: Path, skipped: Callable[[], None] | None = None) -> Iterator[PostcodePoint]:
    """Postcodes with coordinates from an ONS Postcode Directory CSV, one at a time."""
    with _open_csv(path) as stream:
        reader, missing = _header_checked_reader(stream, ONS_REQUIRED_COLUMNS)
        if missing:
            hint = ""
            if reader.fieldnames and normalise_postcode(reader.fieldnames[0]) is not None:
                hint = " The first row is a postcode: is this a Code-Point Open file (use --format codepoint)?"
            raise PlacesFileError(
                f"{path} is not an ONS Postcode Directory CSV: it has no "
                f"{', '.join(missing)} column{'s' if len(missing) > 1 else ''} in its header.{hint}"
            )
        for line, row in enumerate(reader, start=2):
            latitude_text, longitude_text = (row["lat"] or "").strip(), (row["long"] or "").strip()
            if not latitude_text or not longitude_text:
                if skipped:
                    skipped()
                continue
            latitude = _parse_float(latitude_text, path=path, line=line, column="lat")
            longitude = _parse_float(longitude_text, path=path, line=line, column="long")
            if latitude >= ONS_NO_COORDINATES_LATITUDE or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                if skipped:
                    skipped()
                continue
            yield PostcodePoint(_parse_postcode(row["pcds"] or "", path=path, line=line), latitude, longitude)


def _british_national_grid_to_wgs84() -> Transformer:
    # always_xy: take (easting, northing) and give (longitude, latitude) whatever the CRS axis order.
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def read_codepoint_postcodes(
    *, path: Path, skipped: Callable[[], None] | None = None, chunk_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[PostcodePoint]:
    """Postcodes from an OS Code-Point Open CSV, converted from British National Grid to WGS84."""
    transformer = _british_national_grid_to_wgs84()
    pending: list[tuple[str, float, float]] = []

    def convert(rows: list[tuple[str, float, float]]) -> Iterator[PostcodePoint]:
        longitudes, latitudes = transformer.transform([row[1] for row in rows], [row[2] for row in rows])
        for (postcode, _, _), longitude, latitude in zip(rows, longitudes, latitudes, strict=True):
            yield PostcodePoint(postcode, round(latitude, 6), round(longitude, 6))

    with _open_csv(path) as stream:
        for line, row in enumerate(csv.reader(stream), start=1):
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(row) < 4:
                raise PlacesFileError(
                    f"{path}, line {line}: expected at least 4 columns (postcode, quality, eastings, northings), "
                    f"found {len(row)}. Is this a Code-Point Open CSV?"
                )
            if line == 1 and normalise_postcode(row[0]) is None:
                hint = ""
                if "pcds" in [cell.strip().lower() for cell in row]:
                    hint = " It looks like an ONS Postcode Directory file (use --format ons)."
                raise PlacesFileError(
                    f"{path} is not a Code-Point Open CSV: its first row does not start with a postcode.{hint}"
                )
            postcode = _parse_postcode(row[0], path=path, line=line)
            quality = row[1].strip()
            easting = _parse_float(row[2], path=path, line=line, column="eastings")
            northing = _parse_float(row[3], path=path, line=line, column="northings")
            if (quality.isdigit() and int(quality) == CODEPOINT_NO_COORDINATES_QUALITY) or (
                easting == 0 and northing == 0
            ):
                if skipped:
                    skipped()
                continue
            # The grid covers 0-700 km east and 0-1,300 km north; anything else is not BNG metres.
            if not (0 <= easting <= 700_000 and 0 <= northing <= 1_300_000):
                raise PlacesFileError(
                    f"{path}, line {line}: {easting:.0f}, {northing:.0f} is not a British National Grid "
                    "easting and northing in metres."
                )
            pending.append((postcode, easting, northing))
            if len(pending) >= chunk_size:
                yield from convert(pending)
                pending = []
    if pending:
        yield from convert(pending)


# --- Localities and towns -----------------------------------------------------------------------


@dataclass(frozen=True)
class LocalityMap:
    """Which locality each postcode district belongs to."""

    locality_by_district: dict[str, str]
    rural_by_locality: dict[str, bool | None]


def read_locality_map(*, path: Path) -> LocalityMap:
    """A CSV with `district,locality` and optionally `locality_is_rural` (yes/no)."""
    with _open_csv(path) as stream:
        reader, missing = _header_checked_reader(stream, LOCALITY_MAP_REQUIRED_COLUMNS)
        if missing:
            raise PlacesFileError(
                f"{path} is not a locality map: it needs a header with the columns district and locality "
                f"(missing: {', '.join(missing)})."
            )
        locality_by_district: dict[str, str] = {}
        rural_by_locality: dict[str, bool | None] = {}
        for line, row in enumerate(reader, start=2):
            district = (row["district"] or "").strip().upper()
            locality = " ".join((row["locality"] or "").split())
            if not DISTRICT_PATTERN.match(district):
                raise PlacesFileError(f"{path}, line {line}: “{district}” is not a postcode district like WE1.")
            if not locality:
                raise PlacesFileError(f"{path}, line {line}: the locality for {district} is empty.")
            locality_by_district[district] = locality
            rural_text = (row.get("locality_is_rural") or "").strip().lower()
            if rural_text:
                rural_by_locality[locality] = rural_text in TRUE_WORDS
            else:
                rural_by_locality.setdefault(locality, None)
    return LocalityMap(locality_by_district, rural_by_locality)


def _ensure_localities(rural_by_locality: dict[str, bool | None]) -> dict[str, Locality]:
    """Localities by name, created when missing; the rural flag follows the file when it says."""
    existing = {locality.name: locality for locality in Locality.objects.filter(name__in=rural_by_locality)}
    for name, is_rural in rural_by_locality.items():
        locality = existing.get(name)
        if locality is None:
            existing[name] = Locality.objects.create(name=name, slug=slugify(name), is_rural=bool(is_rural))
        elif is_rural is not None and locality.is_rural != is_rural:
            locality.is_rural = is_rural
            locality.save(update_fields=["is_rural"])
    return existing


# --- Writing ------------------------------------------------------------------------------------------


def _upsert_places(places: list[Place]) -> None:
    Place.objects.bulk_create(
        places,
        update_conflicts=True,
        unique_fields=["lookup_key"],
        update_fields=["kind", "name", "latitude", "longitude", "locality"],
    )


def _batched(points: Iterable[PostcodePoint], size: int) -> Iterator[list[PostcodePoint]]:
    batch: list[PostcodePoint] = []
    for point in points:
        batch.append(point)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def places_load_postcodes(
    *,
    path: Path,
    file_format: PostcodeFileFormat | str = PostcodeFileFormat.ONS,
    locality_map_path: Path | None = None,
    postcode_areas: Iterable[str] = (),
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], object] | None = None,
) -> PlacesLoadResult:
    """Load postcodes and their districts from an ONSPD or Code-Point Open CSV.

    `postcode_areas` (such as ['LE', 'NG']) keeps only those areas, so a
    council can load its own corner of a national file. `progress` is called
    with the number of postcodes in each batch written. The whole load is one
    transaction: a bad row leaves the table as it was.
    """
    try:
        file_format = PostcodeFileFormat(file_format)
    except ValueError:
        raise PlacesFileError(f"Unknown format “{file_format}”: use ons or codepoint.") from None
    locality_map = read_locality_map(path=locality_map_path) if locality_map_path else None
    localities = _ensure_localities(locality_map.rural_by_locality) if locality_map else {}
    wanted_areas = {area.strip().upper() for area in postcode_areas if area.strip()}

    result = PlacesLoadResult()
    if locality_map:
        result.localities_loaded = len(localities)

    def count_skipped() -> None:
        result.rows_without_coordinates += 1

    reader = read_ons_postcodes if file_format == PostcodeFileFormat.ONS else read_codepoint_postcodes
    postcodes_before = Place.objects.filter(kind=Place.Kind.POSTCODE).count()
    # Running sums for each district's mean position: a few thousand at most, even for the whole UK.
    district_sums: dict[str, list[float]] = {}
    for batch in _batched(reader(path=path, skipped=count_skipped), batch_size):
        places: list[Place] = []
        for point in batch:
            result.rows_read += 1
            if wanted_areas and point.area not in wanted_areas:
                result.rows_outside_areas += 1
                continue
            locality = None
            if locality_map:
                locality = localities.get(locality_map.locality_by_district.get(point.district, ""))
            places.append(
                Place(
                    kind=Place.Kind.POSTCODE,
                    name=point.postcode,
                    lookup_key=lookup_key(point.postcode),
                    latitude=point.latitude,
                    longitude=point.longitude,
                    locality=locality,
                )
            )
            sums = district_sums.setdefault(point.district, [0.0, 0.0, 0])
            sums[0] += point.latitude
            sums[1] += point.longitude
            sums[2] += 1
        if places:
            _upsert_places(places)
        result.postcodes_loaded += len(places)
        if progress:
            progress(len(batch))
    result.rows_read += result.rows_without_coordinates
    if result.rows_read == 0:
        raise PlacesFileError(f"{path} has no postcode rows.")

    districts: list[Place] = []
    for district, (latitude_sum, longitude_sum, count) in sorted(district_sums.items()):
        locality = None
        if locality_map:
            locality_name = locality_map.locality_by_district.get(district)
            if locality_name is None:
                result.districts_without_locality.append(district)
            locality = localities.get(locality_name or "")
        districts.append(
            Place(
                kind=Place.Kind.DISTRICT,
                name=district,
                lookup_key=lookup_key(district),
                latitude=round(latitude_sum / count, 6),
                longitude=round(longitude_sum / count, 6),
                locality=locality,
            )
        )
    for start in range(0, len(districts), batch_size):
        _upsert_places(districts[start : start + batch_size])
    result.districts_loaded = len(districts)
    result.postcodes_created = Place.objects.filter(kind=Place.Kind.POSTCODE).count() - postcodes_before
    return result


@transaction.atomic
def places_load_towns(*, path: Path) -> int:
    """Load towns and villages from a CSV with name, kind (town or village), lat, long, locality.

    Localities named in the file are created when missing. Returns the number
    of towns and villages loaded.
    """
    with _open_csv(path) as stream:
        reader, missing = _header_checked_reader(stream, TOWNS_REQUIRED_COLUMNS)
        if missing:
            raise PlacesFileError(
                f"{path} is not a towns file: it needs the columns {', '.join(TOWNS_REQUIRED_COLUMNS)} "
                f"(missing: {', '.join(missing)})."
            )
        rows = list(enumerate(reader, start=2))
    locality_names = {" ".join((row["locality"] or "").split()) for _, row in rows} - {""}
    localities = _ensure_localities(dict.fromkeys(locality_names))
    places: list[Place] = []
    for line, row in rows:
        name = " ".join((row["name"] or "").split())
        kind = (row["kind"] or "").strip().lower()
        if not name:
            raise PlacesFileError(f"{path}, line {line}: the name is empty.")
        if kind not in (Place.Kind.TOWN, Place.Kind.VILLAGE):
            raise PlacesFileError(f"{path}, line {line}: kind “{kind}” must be town or village.")
        places.append(
            Place(
                kind=kind,
                name=name,
                lookup_key=lookup_key(name),
                latitude=_parse_float(row["lat"] or "", path=path, line=line, column="lat"),
                longitude=_parse_float(row["long"] or "", path=path, line=line, column="long"),
                locality=localities.get(" ".join((row["locality"] or "").split())),
            )
        )
    _upsert_places(places)
    return len(places)
