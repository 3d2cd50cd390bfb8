"""Domain errors of support."""

from shop.exceptions import ShopError


class MalformedEmail(ShopError):
    """A raw message that cannot be stored: no headers, no sender, nothing to read."""


class TicketRateLimited(ShopError):
    """Too many tickets from one address or one IP address within the window."""

    def __init__(self, *, scope: str) -> None:
        super().__init__(f"Too many tickets from this {scope}.")
        self.scope = scope


class EmptyReply(ShopError):
    """A staff reply with neither text nor attachments."""


class MessageNotHeld(ShopError):
    """Only held mail can be accepted into a ticket."""
