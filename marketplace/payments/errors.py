"""The payments app's one error for people: raised by its services, shown by its views."""

from marketplace.core.errors import DomainError


class PaymentsError(DomainError):
    """A payments action that cannot be done; the message is for the person."""

    def __init__(self, message: str, *, field: str | None = None, is_unreachable: bool = False) -> None:
        super().__init__(message, field=field)
        self.is_unreachable = is_unreachable
