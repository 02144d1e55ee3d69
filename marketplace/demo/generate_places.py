"""Generate the shipped places files for Wendleshire, the fictional demo county.

Run once, from the project folder, and commit the output:

    .tools/bin/uv run python -m marketplace.demo.generate_places

Writes to marketplace/places/data/:

- demo_county_places.csv: postcodes in the ONS Postcode Directory layout
  (pcds, lat, long), including a few rows with no grid reference as the real
  file has, so the demo load goes through the real loader;
- demo_county_localities.csv: postcode district -> locality (the
  `load_places --locality-map` format), with each locality's rural flag;
- demo_county_towns.csv: towns and villages with their centres.

The postcode area WE is not a real one; the county sits between latitudes
52.4 and 52.9 and longitudes -1.5 and -0.6. The output depends only on the
seed below, so running the script again gives the same files.
"""

import csv
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20260101
DATA_DIR = Path(__file__).resolve().parent.parent / "places" / "data"
POSTCODE_AREA = "WE"
# Inward codes never use C, I, K, M, O or V in their last two letters.
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
KM_PER_DEGREE_LATITUDE = 111.2
# The county keeps inside this box: south, north, west, east.
BOUNDS = (52.4, 52.9, -1.5, -0.6)


@dataclass
class Town:
    name: str
    latitude: float
    longitude: float
    districts: int  # how many postcode districts the town has
    spread_km: float  # roughly the town's radius
    postcodes_per_district: int = 190


@dataclass
class LocalityPlan:
    name: str
    is_rural: bool
    towns: list[Town]
    # Villages as (name, latitude, longitude); grouped into rural districts of `villages_per_district`.
    villages: list[tuple[str, float, float]]
    villages_per_district: int = 3
    postcodes_per_village: int = 24
    districts: list[str] = field(default_factory=list)


COUNTY = [
    LocalityPlan(
        "Wendlebury",
        is_rural=False,
        towns=[
            Town("Wendlebury", 52.655, -1.055, districts=7, spread_km=4.5, postcodes_per_district=230),
            Town("Kingsmead", 52.700, -1.140, districts=1, spread_km=1.6, postcodes_per_district=170),
        ],
        villages=[
            ("Great Oxley", 52.610, -1.150),
            ("Thurlby Wendle", 52.695, -0.975),
            ("Stanwick Green", 52.612, -0.990),
            ("Norton Lacey", 52.720, -1.060),
        ],
        villages_per_district=4,
    ),
    LocalityPlan(
        "Ashford Vale",
        is_rural=False,
        towns=[
            Town("Ashford", 52.805, -1.330, districts=3, spread_km=3.0, postcodes_per_district=200),
            Town("Millbridge", 52.760, -1.420, districts=1, spread_km=1.5, postcodes_per_district=160),
        ],
        villages=[
            ("Little Ashby", 52.840, -1.265),
            ("Coldharbour", 52.850, -1.380),
            ("Sutton on the Vale", 52.775, -1.255),
            ("Ridgeway", 52.860, -1.450),
            ("Oakthorpe Magna", 52.740, -1.330),
            ("Hatherley", 52.815, -1.470),
        ],
    ),
    LocalityPlan(
        "Brockley Marsh",
        is_rural=True,
        towns=[Town("Brockley", 52.825, -0.820, districts=2, spread_km=2.2, postcodes_per_district=160)],
        villages=[
            ("Saltby Marsh", 52.870, -0.720),
            ("Reedham End", 52.860, -0.880),
            ("Holme Brockley", 52.790, -0.740),
            ("Tilney Fen", 52.880, -0.640),
            ("Fenwick St Mary", 52.780, -0.900),
            ("Sedgeby", 52.845, -0.960),
            ("Wrayholme", 52.890, -0.800),
            ("Marham Drove", 52.805, -0.660),
            ("Cotes Fen", 52.760, -0.800),
        ],
    ),
    LocalityPlan(
        "Carrow Hills",
        is_rural=True,
        towns=[Town("Carrow", 52.565, -1.375, districts=2, spread_km=2.0, postcodes_per_district=150)],
        villages=[
            ("High Carrow", 52.600, -1.430),
            ("Westcombe", 52.540, -1.470),
            ("Hollins Cross", 52.620, -1.320),
            ("Brackendale", 52.520, -1.400),
            ("Stanfold", 52.585, -1.260),
            ("Kirkby Carrow", 52.640, -1.460),
            ("Beckwith", 52.500, -1.330),
            ("Thornley Edge", 52.660, -1.390),
            ("Ashcombe", 52.545, -1.290),
        ],
    ),
    LocalityPlan(
        "Dunmere",
        is_rural=False,
        towns=[
            Town("Dunmere", 52.480, -0.870, districts=5, spread_km=3.8, postcodes_per_district=220),
            Town("Lowfield", 52.530, -0.760, districts=1, spread_km=1.5, postcodes_per_district=170),
        ],
        villages=[
            ("Pennock", 52.440, -0.780),
            ("Sallowby", 52.420, -0.930),
            ("Dunmere Parva", 52.505, -0.960),
            ("Elsworth", 52.455, -0.700),
        ],
        villages_per_district=4,
    ),
    LocalityPlan(
        "Eastwick and Fenby",
        is_rural=True,
        towns=[
            Town("Eastwick", 52.660, -0.705, districts=2, spread_km=2.3, postcodes_per_district=170),
            Town("Fenby", 52.725, -0.640, districts=1, spread_km=1.4, postcodes_per_district=140),
        ],
        villages=[
            ("Ormsby Green", 52.610, -0.640),
            ("Wickham Fen", 52.700, -0.780),
            ("Thistleby", 52.580, -0.720),
            ("Greyfriars End", 52.750, -0.710),
            ("Cransley St Peter", 52.620, -0.830),
            ("Elmstone", 52.690, -0.620),
        ],
    ),
    LocalityPlan(
        "Harwood Forest",
        is_rural=True,
        towns=[Town("Harwood", 52.455, -1.205, districts=2, spread_km=2.0, postcodes_per_district=150)],
        villages=[
            ("Deepdale Chase", 52.425, -1.300),
            ("Foxhole End", 52.410, -1.140),
            ("Ashwell Heath", 52.480, -1.300),
            ("Bramblewood", 52.500, -1.120),
            ("Oakley Cross", 52.430, -1.050),
            ("Coppice Green", 52.520, -1.210),
            ("Yewdale", 52.405, -1.420),
            ("Linford Woodhouse", 52.470, -1.010),
            ("Hawksmoor", 52.540, -1.060),
        ],
    ),
]


def offset(latitude: float, longitude: float, north_km: float, east_km: float) -> tuple[float, float]:
    km_per_degree_longitude = KM_PER_DEGREE_LATITUDE * math.cos(math.radians(latitude))
    return latitude + north_km / KM_PER_DEGREE_LATITUDE, longitude + east_km / km_per_degree_longitude


def inward_codes(rng: random.Random, count: int) -> list[str]:
    """Distinct inward codes ('3AB') spread over a district's sectors, in order."""
    sectors = list(range(1, 10)) if count > 60 else rng.sample(range(1, 10), 3)
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(f"{rng.choice(sectors)}{rng.choice(UNIT_LETTERS)}{rng.choice(UNIT_LETTERS)}")
    return sorted(codes)


def generate(
    rng: random.Random,
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]], list[tuple[str, str, str, str, str]]]:
    postcodes: list[tuple[str, str, str]] = []
    districts: list[tuple[str, str, str]] = []
    towns: list[tuple[str, str, str, str, str]] = []
    number = 0

    def add_district(locality: LocalityPlan, centres: list[tuple[float, float, float]], count: int) -> None:
        """One district whose postcodes cluster around the given (lat, long, spread_km) centres."""
        nonlocal number
        number += 1
        district = f"{POSTCODE_AREA}{number}"
        locality.districts.append(district)
        districts.append((district, locality.name, "yes" if locality.is_rural else "no"))
        for code in inward_codes(rng, count):
            while True:
                centre_latitude, centre_longitude, spread = rng.choice(centres)
                latitude, longitude = offset(
                    centre_latitude, centre_longitude, rng.gauss(0, spread), rng.gauss(0, spread)
                )
                if BOUNDS[0] <= latitude <= BOUNDS[1] and BOUNDS[2] <= longitude <= BOUNDS[3]:
                    break
            postcodes.append((f"{district} {code}", f"{latitude:.6f}", f"{longitude:.6f}"))

    for locality in COUNTY:
        for town in locality.towns:
            towns.append((town.name, "town", f"{town.latitude:.6f}", f"{town.longitude:.6f}", locality.name))
            for index in range(town.districts):
                if index == 0:
                    centre = (town.latitude, town.longitude)
                else:
                    angle = 2 * math.pi * (index - 1) / max(1, town.districts - 1) + rng.uniform(-0.2, 0.2)
                    distance = town.spread_km * rng.uniform(0.5, 0.7)
                    centre = offset(
                        town.latitude, town.longitude, distance * math.cos(angle), distance * math.sin(angle)
                    )
                spread = town.spread_km * (0.22 if town.districts > 1 else 0.35)
                add_district(locality, [(*centre, spread)], town.postcodes_per_district + rng.randint(-25, 25))
        for start in range(0, len(locality.villages), locality.villages_per_district):
            group = locality.villages[start : start + locality.villages_per_district]
            for name, latitude, longitude in group:
                towns.append((name, "village", f"{latitude:.6f}", f"{longitude:.6f}", locality.name))
            centres = [(latitude, longitude, 0.45) for _, latitude, longitude in group]
            # Farms and hamlets between the villages: a wider scatter around the group's middle.
            middle = (
                sum(latitude for _, latitude, _ in group) / len(group),
                sum(longitude for _, _, longitude in group) / len(group),
            )
            centres.append((*middle, 3.0))
            add_district(locality, centres, locality.postcodes_per_village * len(group) + rng.randint(0, 15))

    # The real directory lists some postcodes without a grid reference; so does ours.
    for district in rng.sample([row[0] for row in districts], 5):
        postcodes.append((f"{district} 9ZZ", "99.999999", "0.000000"))
    postcodes.sort(key=lambda row: (int(row[0].split()[0][len(POSTCODE_AREA) :]), row[0]))
    return postcodes, districts, towns


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    postcodes, districts, towns = generate(random.Random(SEED))
    write_csv(DATA_DIR / "demo_county_places.csv", ("pcds", "lat", "long"), postcodes)
    write_csv(DATA_DIR / "demo_county_localities.csv", ("district", "locality", "locality_is_rural"), districts)
    write_csv(DATA_DIR / "demo_county_towns.csv", ("name", "kind", "lat", "long", "locality"), towns)
    print(f"{len(postcodes)} postcodes in {len(districts)} districts; {len(towns)} towns and villages.")


if __name__ == "__main__":
    main()
