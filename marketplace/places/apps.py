from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "marketplace.places"
    label = "places"
    verbose_name = "Places"
