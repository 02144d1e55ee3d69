"""The providers' domain errors: their messages are for people."""

from marketplace.core.errors import DomainError


class ProviderError(DomainError):
    """A change to a provider that the rules do not allow; the message is for people."""


class ProviderFieldError(ProviderError):
    """Bad input for one field; `field` (DomainError's) names the form field the message belongs to."""
