"""Payment-channel cryptography: signatures, verification and notification encryption."""


class NotificationRejected(ValueError):
    """A channel notification failed verification; `reason` says which check."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
