"""The console/log channel for the demo: every message becomes a log line (phone numbers
scrubbed) and stays in memory for inspection."""

from __future__ import annotations

import logging
from collections import deque

from bedside.core.pii import scrub
from bedside.notifications.channels import Outgoing, Result

log = logging.getLogger("bedside.notify")


class LogChannel:
    name = "log"

    def __init__(self) -> None:
        self.sent: deque[Outgoing] = deque(maxlen=500)

    def send(self, message: Outgoing) -> Result:
        self.sent.append(message)
        log.warning("MESSAGE to account %s: %s - %s", message.address, message.title, scrub(message.body))
        return Result(ok=True, provider_ref=f"log-{message.delivery_id}")
