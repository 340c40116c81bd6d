"""The agent signs what its readers read with the kiosk's device secret, so the server can
tell a read the hardware made from a number a page typed in (bedside.kiosks.card_reads)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bedside.kiosk_agent.drivers import Card, IdCard
from bedside.kiosks import card_reads


class ReadSigner:
    """Without a kiosk key the reads go out unsigned, and the server asks for a second factor."""

    def __init__(self, kiosk_key: str | None) -> None:
        self._secret = card_reads.device_secret(kiosk_key) if kiosk_key else None

    def _signed(self, result: BaseModel, device: str, kind: str, value: str) -> dict[str, Any]:
        body = result.model_dump(mode="json")
        if self._secret is not None:
            body["read"] = card_reads.sign(self._secret, device, kind, value)
        return body

    def id_card(self, card: IdCard) -> dict[str, Any]:
        return self._signed(card, "id_reader", "resident_id", card.resident_id)

    def card(self, card: Card) -> dict[str, Any]:
        return self._signed(card, "card_reader", card.kind, card.number)

    def scan(self, result: BaseModel, text: str) -> dict[str, Any]:
        return self._signed(result, "scanner", card_reads.SCAN, text)
