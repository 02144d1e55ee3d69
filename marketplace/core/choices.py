"""Statuses shown as GOV.UK tags: the colour of each status declared beside its choices."""

import logging
from typing import Any

from django.db import models

logger = logging.getLogger(__name__)

# The colours GOV.UK Frontend gives tags (govuk-tag--<colour>).
TAG_COLOURS = frozenset(
    {"grey", "green", "turquoise", "blue", "light-blue", "purple", "pink", "red", "orange", "yellow"}
)


class StatusChoices(models.TextChoices):
    """TextChoices whose members are shown on the public pages as GOV.UK tags.

    A subclass declares, beside its members, `tag_colours = nonmember({value:
    colour})` for every member and, where the public pages word a status
    differently from the admin screens, `tag_labels = nonmember({value: text})`.
    Each subclass is registered under "<app>.<qualified name>" (such as
    "providers.Provider.Status") for the `status_tag` template tag.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        REGISTRY[registry_name(cls)] = cls

    @property
    def tag_colour(self) -> str:
        return str(type(self).tag_colours[self.value])  # type: ignore[attr-defined]

    @property
    def tag_label(self) -> str:
        labels: dict[str, str] = getattr(type(self), "tag_labels", {})
        return labels.get(self.value, str(self.label))


# Every StatusChoices by "<app>.<qualified name>", filled as the models are imported.
REGISTRY: dict[str, type[StatusChoices]] = {}


def registry_name(choices: type) -> str:
    """'providers.Provider.Status' for marketplace.providers.models.Provider.Status."""
    parts = choices.__module__.split(".")
    app = parts[-2] if len(parts) > 1 else parts[0]
    return f"{app}.{choices.__qualname__}"


def status_choices(name: str) -> type[StatusChoices]:
    """The StatusChoices registered as `name`; a LookupError naming the known ones otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise LookupError(f"No status choices called {name!r}; known: {known}") from None


def tag_for(name: str, value: Any) -> tuple[str, str]:
    """(label, colour) of one status. A value the choices do not know is shown as it is, in grey, and logged."""
    choices = status_choices(name)
    try:
        member = choices(value)
    except ValueError:
        logger.warning("status_tag: %r is not one of %s", value, name)
        return str(value), "grey"
    return member.tag_label, member.tag_colour
