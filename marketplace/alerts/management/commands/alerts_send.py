"""Run the saved-search alerts by hand (as beat does each morning).

    python manage.py alerts_send

Emails each saved search's owner about listings that newly match it; a
listing is alerted at most once per search, so running it twice sends nothing new.
"""

from typing import Any

from django.core.management.base import BaseCommand

from marketplace.alerts.services import send_saved_search_alerts


class Command(BaseCommand):
    help = "Email owners of saved searches about listings that newly match (each listing once per search)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(send_saved_search_alerts()))
