"""The simulated ID-card reader, bank-card reader, scanner and PIN pad."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import deque
from typing import Any

from bedside.kiosk_agent.drivers import (
    BadInput,
    Card,
    CardPayment,
    EventBus,
    IdCard,
    now,
)
from bedside.kiosk_agent.simulators.base import (
    DEMO_CARD_NUMBER,
    DEMO_ID_CARDS,
    DEMO_PIN,
    INJECTABLE,
    SimulatedModule,
)


class SimIdReader(SimulatedModule):
    kind = "id_reader"
    injectable = INJECTABLE[kind]

    def __init__(self, bus: EventBus) -> None:
        super().__init__(bus)
        self._card: IdCard | None = None

    def place(self, card: IdCard) -> None:
        with self._lock:
            self._card = card
            self._emit("card_inserted")

    def remove(self) -> None:
        with self._lock:
            self._card = None
            self._emit("card_removed")

    def current(self) -> IdCard | None:
        return self._card

    def read(self) -> IdCard:
        with self._lock:
            self._check()
            if self._card is None:
                raise self._fail("no_card")
            self._emit("card_read")
            return self._card

    def _control_extra(self) -> dict[str, Any]:
        return {
            "card": self._card.model_dump(mode="json") if self._card else None,
            "presets": [c.model_dump(mode="json") for c in DEMO_ID_CARDS],
        }


class SimCardReader(SimulatedModule):
    kind = "card_reader"
    injectable = INJECTABLE[kind]

    def __init__(self, bus: EventBus) -> None:
        super().__init__(bus)
        self._card: Card | None = None

    def place(self, card: Card) -> None:
        with self._lock:
            self._card = card
            self._emit("card_inserted", card_kind=card.kind)

    def remove(self) -> None:
        with self._lock:
            self._card = None
            self._emit("card_removed")

    def read(self) -> Card:
        with self._lock:
            self._check()
            if self._card is None:
                raise self._fail("no_card")
            self._emit("card_read", card_kind=self._card.kind)
            return self._card

    def _control_extra(self) -> dict[str, Any]:
        return {"card": self._card.model_dump(mode="json") if self._card else None}


class SimScanner(SimulatedModule):
    kind = "scanner"
    injectable = INJECTABLE[kind]
    MAX_QUEUED = 20

    def __init__(self, bus: EventBus) -> None:
        super().__init__(bus)
        self._queue: deque[str] = deque(maxlen=self.MAX_QUEUED)

    def present(self, text: str) -> None:
        """A code held up to the scanner; the page is told, and takes it with scan()."""
        if not text or len(text) > 4096 or any(ch in text for ch in "\x00\r\n"):
            raise BadInput("invalid_code", "A code is one line of 1-4096 characters.")
        with self._lock:
            self._queue.append(text)
            self._emit("code_scanned", pending=len(self._queue))

    def scan(self) -> str:
        with self._lock:
            self._check()
            if not self._queue:
                raise self._fail("no_code")
            return self._queue.popleft()

    def _control_extra(self) -> dict[str, Any]:
        return {"queued": list(self._queue)}


def mask_card(number: str) -> str:
    """First six and last four digits, as printed on card slips."""
    return number[:6] + "*" * max(0, len(number) - 10) + number[-4:]


class SimPinPad(SimulatedModule):
    kind = "pin_pad"
    injectable = INJECTABLE[kind]

    def __init__(self, bus: EventBus, demo_pin: str = DEMO_PIN) -> None:
        super().__init__(bus)
        self.demo_pin = demo_pin
        # What the simulated cardholder will type next; the host never sees a real PIN.
        self.entered_pin = demo_pin
        self.card_number = DEMO_CARD_NUMBER
        self._trace = 0

    def configure(
        self, *, demo_pin: str | None = None, entered_pin: str | None = None, card_number: str | None = None
    ) -> None:
        for value in (demo_pin, entered_pin):
            if value is not None and not re.fullmatch(r"\d{4,12}", value):
                raise BadInput("invalid_pin", "A PIN is 4-12 digits.")
        if card_number is not None and not re.fullmatch(r"\d{13,19}", card_number):
            raise BadInput("invalid_card_number", "A card number is 13-19 digits.")
        with self._lock:
            self.demo_pin = demo_pin or self.demo_pin
            self.entered_pin = entered_pin or self.entered_pin
            self.card_number = card_number or self.card_number

    def pay(self, amount_fen: int, reference: str) -> CardPayment:
        if amount_fen <= 0:
            raise BadInput("invalid_amount", "The amount must be positive.")
        with self._lock:
            self._check()
            self._trace += 1
            trace_no = f"{self._trace:06d}"
            masked = mask_card(self.card_number)
            if not secrets.compare_digest(self.entered_pin, self.demo_pin):
                self._emit("payment_declined", reference=reference, amount_fen=amount_fen, card_masked=masked)
                raise self._fail("declined", "Wrong PIN.")
            digest = hashlib.sha256(f"{reference}:{trace_no}".encode()).hexdigest()
            payment = CardPayment(
                reference=reference,
                amount_fen=amount_fen,
                card_masked=masked,
                approval_code=f"{int(digest, 16) % 1_000_000:06d}",
                trace_no=trace_no,
                at=now(),
            )
            self._emit(
                "payment_approved",
                reference=reference,
                amount_fen=amount_fen,
                card_masked=masked,
                trace_no=trace_no,
            )
            return payment

    def _control_extra(self) -> dict[str, Any]:
        return {
            "demo_pin": self.demo_pin,
            "entered_pin": self.entered_pin,
            "card_masked": mask_card(self.card_number),
        }
