from django.apps import AppConfig


class AdvertsConfig(AppConfig):
    name = "marketplace.adverts"
    label = "adverts"
    verbose_name = "Adverts for personal assistants"
