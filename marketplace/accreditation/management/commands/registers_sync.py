"""Ask the external registers about providers now, as the nightly jobs do."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from marketplace.accreditation.registers.sync import SWEEPS, registers_sync_all


class Command(BaseCommand):
    help = (
        "Sync providers with the CQC and Companies House and check DBS certificates on the Update Service. "
        "A register whose settings are missing is skipped, and says so."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only",
            action="append",
            choices=list(SWEEPS),
            help="Only this register (repeat for several). Default: all of them.",
        )

    def handle(self, *args: Any, only: list[str] | None = None, **options: Any) -> None:
        for summary in registers_sync_all(only=only):
            style = self.style.WARNING if summary.skipped_because or summary.failed else self.style.SUCCESS
            self.stdout.write(style(str(summary)))
