from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo county and the command that loads it; above every other app, so it may use them all."""

    name = "marketplace.demo"
    label = "demo"
    verbose_name = "Demo data"
