"""Localities, towns and postcodes with their coordinates.

Loaded from open data (ONS Postcode Directory or Code-Point Open) by
`load_places`, so search never calls the network to find a place.
"""

from django.db import models


class Locality(models.Model):  # type: ignore[django-manager-missing]
    """A council's locality: the unit commissioners plan supply by."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    is_rural = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "localities"

    def __str__(self) -> str:
        return self.name


class Place(models.Model):
    """A postcode, postcode district, town or village with a centre point."""

    class Kind(models.TextChoices):
        POSTCODE = "postcode", "Postcode"
        DISTRICT = "district", "Postcode district"
        TOWN = "town", "Town"
        VILLAGE = "village", "Village"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=100, help_text="As people write it: 'LE11 3TU', 'Loughborough'")
    lookup_key = models.CharField(
        max_length=100, unique=True, help_text="Normalised for lookup: upper case, no spaces"
    )
    latitude = models.FloatField()
    longitude = models.FloatField()
    locality = models.ForeignKey(Locality, on_delete=models.SET_NULL, null=True, blank=True, related_name="places")

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        return self.name
