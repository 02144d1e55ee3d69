"""Load postcodes, postcode districts and (optionally) towns from open data files.

    python manage.py load_places ONSPD_NOV_2025_UK.csv --areas LE,NG --locality-map localities.csv
    python manage.py load_places codepo_gb/Data/CSV/le.csv --format codepoint
    python manage.py load_places postcodes.csv --towns towns.csv

Safe to run again: rows are upserted by postcode.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from marketplace.places.services import (
    PlacesFileError,
    PostcodeFileFormat,
    places_load_postcodes,
    places_load_towns,
)


class Command(BaseCommand):
    help = (
        "Load postcodes from the ONS Postcode Directory (--format ons, the default: a CSV with pcds, lat, long) "
        "or OS Code-Point Open (--format codepoint: no header; postcode, quality, eastings, northings), "
        "derive each postcode district's centre, and optionally assign localities and load towns."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The postcode CSV file")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=[choice.value for choice in PostcodeFileFormat],
            default=PostcodeFileFormat.ONS.value,
        )
        parser.add_argument(
            "--locality-map",
            type=Path,
            help="CSV with district,locality[,locality_is_rural] assigning postcode districts to localities",
        )
        parser.add_argument("--towns", type=Path, help="CSV with name,kind,lat,long,locality for towns and villages")
        parser.add_argument(
            "--areas", default="", help="Only these postcode areas, separated by commas (for example LE,NG)"
        )
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        show_progress = options["verbosity"] > 0
        try:
            with tqdm(unit=" postcodes", disable=not show_progress, file=self.stderr) as bar:
                result = places_load_postcodes(
                    path=options["file"],
                    file_format=options["file_format"],
                    locality_map_path=options["locality_map"],
                    postcode_areas=options["areas"].split(","),
                    batch_size=options["batch_size"],
                    progress=bar.update,
                )
            towns = places_load_towns(path=options["towns"]) if options["towns"] else 0
        except PlacesFileError as error:
            raise CommandError(str(error)) from error

        self.stdout.write(
            f"Read {result.rows_read:,} rows: {result.postcodes_loaded:,} postcodes loaded "
            f"({result.postcodes_created:,} new, {result.postcodes_updated:,} updated), "
            f"{result.rows_without_coordinates:,} skipped without coordinates"
            + (f", {result.rows_outside_areas:,} outside the chosen areas" if result.rows_outside_areas else "")
            + "."
        )
        self.stdout.write(f"{result.districts_loaded:,} postcode districts placed at the mean of their postcodes.")
        if options["locality_map"]:
            self.stdout.write(f"{result.localities_loaded:,} localities from the locality map.")
            if result.districts_without_locality:
                self.stderr.write(
                    "These districts are not in the locality map: " + ", ".join(result.districts_without_locality)
                )
        if towns:
            self.stdout.write(f"{towns:,} towns and villages loaded.")
        self.stdout.write(self.style.SUCCESS("Places loaded."))
