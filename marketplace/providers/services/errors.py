"""The providers' domain errors: their messages are for people."""


class ProviderError(Exception):
    """A change to a provider that the rules do not allow; the message is for people."""


class ProviderFieldError(ProviderError):
    """Bad input for one field; `field` names the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
