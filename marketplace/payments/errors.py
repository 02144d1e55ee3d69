"""The payments app's one error for people: raised by its services, shown by its views."""


class PaymentsError(Exception):
    """A payments action that cannot be done; the message is for the person."""

    def __init__(self, message: str, *, is_unreachable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.is_unreachable = is_unreachable
