import math
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from marketplace.places.models import Locality, Place
from marketplace.places.services import (
    PlacesFileError,
    places_load_postcodes,
    places_load_towns,
    read_codepoint_postcodes,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "marketplace" / "places" / "data"

ONS_SAMPLE = """\
pcd,pcds,doterm,oslaua,lat,long
WE1 1AA,WE1 1AA,,E07000999,52.650000,-1.050000
WE1 1AB,WE1 1AB,,E07000999,52.660000,-1.070000
WE1 9ZZ,WE1 9ZZ,,E07000999,99.999999,0.000000
WE1 9ZY,WE1 9ZY,202001,E07000999,,
WE12 3CD,WE12 3CD,,E07000999,52.800000,-1.300000
LE1 1AA,LE1 1AA,,E06000016,52.636000,-1.133000
"""

# Caister water tower, the Ordnance Survey's published worked example: National Grid
# 651409.903 E, 313177.270 N is 52° 39' 28.8282" N, 1° 42' 57.8663" E (52.658008, 1.716074).
CAISTER_EASTING, CAISTER_NORTHING = 651409.903, 313177.270
CAISTER_LATITUDE, CAISTER_LONGITUDE = 52.658007833, 1.716073972
CODEPOINT_SAMPLE = f"""\
"NR305AA",10,{CAISTER_EASTING},{CAISTER_NORTHING},"E92000001","","","E10000020","E07000145","E05005788"
"NR3 1AB",10,623000,309500,"E92000001","","","E10000020","E07000148","E05005792"
"NR3 9ZZ",90,0,0,"E92000001","","","","",""
"""


def distance_metres(latitude_1: float, longitude_1: float, latitude_2: float, longitude_2: float) -> float:
    phi_1, phi_2 = math.radians(latitude_1), math.radians(latitude_2)
    delta_phi, delta_lambda = phi_2 - phi_1, math.radians(longitude_2 - longitude_1)
    a = math.sin(delta_phi / 2) ** 2 + math.cos(phi_1) * math.cos(phi_2) * math.sin(delta_lambda / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


@pytest.fixture
def write_file(tmp_path: Path):
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.mark.django_db
def test_ons_file_loads_postcodes_with_coordinates_and_skips_the_rest(write_file):
    result = places_load_postcodes(path=write_file("onspd.csv", ONS_SAMPLE), file_format="ons")

    assert result.rows_read == 6
    assert result.postcodes_loaded == 4
    assert result.rows_without_coordinates == 2
    postcode = Place.objects.get(lookup_key="WE11AA")
    assert (postcode.kind, postcode.name) == ("postcode", "WE1 1AA")
    assert (postcode.latitude, postcode.longitude) == (52.65, -1.05)
    assert not Place.objects.filter(lookup_key__in=["WE19ZZ", "WE19ZY"]).exists()


@pytest.mark.django_db
def test_a_district_sits_at_the_mean_of_its_postcodes(write_file):
    places_load_postcodes(path=write_file("onspd.csv", ONS_SAMPLE))

    district = Place.objects.get(lookup_key="WE1")
    assert district.kind == Place.Kind.DISTRICT
    assert district.latitude == pytest.approx(52.655)
    assert district.longitude == pytest.approx(-1.06)
    assert set(Place.objects.filter(kind="district").values_list("name", flat=True)) == {"WE1", "WE12", "LE1"}


@pytest.mark.django_db
def test_loading_the_same_file_twice_changes_nothing_and_a_newer_file_moves_points(write_file):
    path = write_file("onspd.csv", ONS_SAMPLE)
    places_load_postcodes(path=path)
    count = Place.objects.count()

    again = places_load_postcodes(path=path)
    assert Place.objects.count() == count
    assert (again.postcodes_created, again.postcodes_updated) == (0, 4)

    places_load_postcodes(path=write_file("newer.csv", "pcds,lat,long\nWE1 1AA,52.700000,-1.050000\n"))
    assert Place.objects.get(lookup_key="WE11AA").latitude == 52.7
    assert Place.objects.count() == count


@pytest.mark.django_db
def test_postcode_areas_keep_only_those_areas(write_file):
    result = places_load_postcodes(path=write_file("onspd.csv", ONS_SAMPLE), postcode_areas=["we"])

    assert result.rows_outside_areas == 1
    assert not Place.objects.filter(name__startswith="LE1").exists()


@pytest.mark.django_db
def test_locality_map_assigns_postcodes_and_districts_to_localities(write_file):
    locality_map = write_file(
        "localities.csv", "district,locality,locality_is_rural\nWE1,Wendlebury,no\nWE12,Ashford Vale,yes\n"
    )
    result = places_load_postcodes(path=write_file("onspd.csv", ONS_SAMPLE), locality_map_path=locality_map)

    wendlebury = Locality.objects.get(name="Wendlebury")
    assert not wendlebury.is_rural
    assert Locality.objects.get(name="Ashford Vale").is_rural
    assert Place.objects.get(lookup_key="WE11AB").locality == wendlebury
    assert Place.objects.get(lookup_key="WE1").locality == wendlebury
    assert result.districts_without_locality == ["LE1"]


def test_codepoint_grid_references_convert_to_within_ten_metres_of_the_published_value(write_file):
    points = list(read_codepoint_postcodes(path=write_file("nr.csv", CODEPOINT_SAMPLE)))

    caister = points[0]
    assert caister.postcode == "NR30 5AA"
    assert distance_metres(caister.latitude, caister.longitude, CAISTER_LATITUDE, CAISTER_LONGITUDE) < 10
    assert [point.postcode for point in points] == ["NR30 5AA", "NR3 1AB"]


@pytest.mark.django_db
def test_codepoint_file_loads_and_skips_postcodes_without_coordinates(write_file):
    result = places_load_postcodes(path=write_file("nr.csv", CODEPOINT_SAMPLE), file_format="codepoint")

    assert (result.postcodes_loaded, result.rows_without_coordinates) == (2, 1)
    assert Place.objects.get(lookup_key="NR3").kind == Place.Kind.DISTRICT


@pytest.mark.django_db
def test_a_codepoint_file_given_as_ons_says_what_it_looks_like(write_file):
    with pytest.raises(PlacesFileError, match="Code-Point Open file"):
        places_load_postcodes(path=write_file("nr.csv", CODEPOINT_SAMPLE), file_format="ons")


@pytest.mark.django_db
def test_an_ons_file_given_as_codepoint_says_what_it_looks_like(write_file):
    with pytest.raises(PlacesFileError, match="ONS Postcode Directory file"):
        places_load_postcodes(path=write_file("onspd.csv", ONS_SAMPLE), file_format="codepoint")


@pytest.mark.django_db
def test_a_bad_row_names_its_line_and_loads_nothing(write_file):
    text = "pcds,lat,long\nWE1 1AA,52.65,-1.05\nWE1 1AB,fifty-two,-1.07\n"
    with pytest.raises(PlacesFileError, match=r"line 3: lat “fifty-two” is not a number"):
        places_load_postcodes(path=write_file("bad.csv", text), batch_size=1)
    assert not Place.objects.exists()


@pytest.mark.django_db
def test_a_row_that_is_not_a_postcode_is_an_error(write_file):
    with pytest.raises(PlacesFileError, match="“W1E 12” is not a UK postcode"):
        places_load_postcodes(path=write_file("bad.csv", "pcds,lat,long\nW1E 12,52.65,-1.05\n"))


@pytest.mark.django_db
def test_eastings_that_are_not_british_national_grid_are_an_error(write_file):
    with pytest.raises(PlacesFileError, match="not a British National Grid"):
        places_load_postcodes(path=write_file("bad.csv", '"NR305AA",10,52.65,-1.05\n'), file_format="codepoint")


@pytest.mark.django_db
def test_missing_and_empty_files_are_errors(tmp_path: Path, write_file):
    with pytest.raises(PlacesFileError, match="no such file"):
        places_load_postcodes(path=tmp_path / "absent.csv")
    with pytest.raises(PlacesFileError, match="has no postcode rows"):
        places_load_postcodes(path=write_file("empty.csv", "pcds,lat,long\n"))


@pytest.mark.django_db
def test_towns_file_loads_towns_and_villages_with_their_localities(write_file):
    text = (
        "name,kind,lat,long,locality\n"
        "Wendlebury,town,52.655,-1.055,Wendlebury\n"
        "Great Oxley,village,52.61,-1.15,Wendlebury\n"
    )
    assert places_load_towns(path=write_file("towns.csv", text)) == 2

    village = Place.objects.get(lookup_key="GREATOXLEY")
    assert (village.kind, village.name) == ("village", "Great Oxley")
    assert village.locality == Locality.objects.get(name="Wendlebury")


@pytest.mark.django_db
def test_towns_file_rejects_an_unknown_kind(write_file):
    with pytest.raises(PlacesFileError, match="kind “city” must be town or village"):
        places_load_towns(path=write_file("towns.csv", "name,kind,lat,long,locality\nWendlebury,city,52.6,-1.0,W\n"))


@pytest.mark.django_db
def test_command_prints_counts(write_file):
    out = StringIO()
    call_command("load_places", str(write_file("onspd.csv", ONS_SAMPLE)), verbosity=0, stdout=out)

    assert "Read 6 rows: 4 postcodes loaded (4 new, 0 updated), 2 skipped without coordinates." in out.getvalue()
    assert "3 postcode districts" in out.getvalue()


@pytest.mark.django_db
def test_command_turns_a_wrong_file_into_a_command_error(write_file):
    with pytest.raises(CommandError, match="not an ONS Postcode Directory CSV"):
        call_command("load_places", str(write_file("x.csv", "name,town\nx,y\n")), verbosity=0, stdout=StringIO())


@pytest.mark.django_db
def test_the_shipped_demo_county_loads_within_its_box():
    result = places_load_postcodes(
        path=DATA_DIR / "demo_county_places.csv", locality_map_path=DATA_DIR / "demo_county_localities.csv"
    )
    places_load_towns(path=DATA_DIR / "demo_county_towns.csv")

    assert result.postcodes_loaded > 3000
    assert result.districts_without_locality == []
    assert Locality.objects.count() == 7
    assert Locality.objects.filter(is_rural=True).count() >= 3
    assert Place.objects.filter(kind=Place.Kind.TOWN, name="Wendlebury").exists()
    assert not Place.objects.filter(locality__isnull=True).exists()
    outside = Place.objects.exclude(latitude__range=(52.4, 52.9), longitude__range=(-1.5, -0.6))
    assert not outside.exists()
