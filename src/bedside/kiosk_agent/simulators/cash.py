"""The simulated cash acceptor: notes "inserted" on the control page are stacked per session."""

from __future__ import annotations

from typing import Any

from bedside.kiosk_agent.drivers import (
    BadInput,
    CashNote,
    CashSession,
    EventBus,
    now,
)
from bedside.kiosk_agent.simulators.base import DENOMINATIONS_FEN, INJECTABLE, SESSION_ID, SimulatedModule


class SimCashAcceptor(SimulatedModule):
    kind = "cash_acceptor"
    injectable = INJECTABLE[kind]

    # Notes the cassette holds before it must be emptied.
    capacity = 1000
    full_percent = 90

    def __init__(self, bus: EventBus) -> None:
        super().__init__(bus)
        self._session: CashSession | None = None
        self.stacked = 0  # notes in the cassette since it was last emptied

    def enable(self, session_id: str, limit_fen: int) -> CashSession:
        if not SESSION_ID.match(session_id):
            raise BadInput("invalid_session", "A session id is 1-64 letters, digits, '_', '.', ':' or '-'.")
        if limit_fen < min(DENOMINATIONS_FEN):
            raise BadInput("invalid_limit", "The limit must allow at least one note.")
        with self._lock:
            self._check()
            current = self._session
            if current is not None and current.enabled:
                if current.session_id == session_id and current.limit_fen == limit_fen:
                    return current.model_copy(deep=True)  # the page asked again (reload)
                raise self._fail("busy")
            self._session = CashSession(session_id=session_id, limit_fen=limit_fen, enabled=True)
            self._emit("cash_enabled", session_id=session_id, limit_fen=limit_fen)
            return self._session.model_copy(deep=True)

    def disable(self) -> CashSession:
        with self._lock:
            current = self._session
            if current is None or not current.enabled:
                raise self._fail("not_enabled")
            current.enabled = False
            self._emit(
                "cash_disabled",
                session_id=current.session_id,
                total_fen=current.total_fen,
                notes=len(current.notes),
            )
            return current.model_copy(deep=True)

    def session(self) -> CashSession | None:
        with self._lock:
            return self._session.model_copy(deep=True) if self._session else None

    def insert(self, denomination_fen: int) -> dict[str, Any]:
        """A note fed into the slot: stacked (and numbered) or handed back."""
        if denomination_fen not in DENOMINATIONS_FEN:
            raise BadInput("invalid_denomination", "The acceptor takes 10, 20, 50 and 100 yuan notes.")
        with self._lock:
            current = self._session if self._session and self._session.enabled else None
            reason = None
            if self._fault is not None:
                reason = self._fault
            elif current is None:
                reason = "not_enabled"
            elif current.total_fen + denomination_fen > current.limit_fen:
                reason = "over_limit"
            if reason is not None or current is None:
                if current is not None:
                    current.returned += 1
                data: dict[str, Any] = {
                    "session_id": current.session_id if current else None,
                    "denomination_fen": denomination_fen,
                    "reason": reason,
                }
                self._emit("note_returned", **data)
                return {"result": "returned", **data}
            note = CashNote(seq=len(current.notes) + 1, denomination_fen=denomination_fen, at=now())
            current.notes.append(note)
            current.total_fen += denomination_fen
            self.stacked += 1
            data = {
                "session_id": current.session_id,
                "seq": note.seq,
                "denomination_fen": denomination_fen,
                "total_fen": current.total_fen,
            }
            self._emit("note_accepted", **data)
            return {"result": "accepted", **data}

    def refill(self) -> None:
        """The engineer emptied the cassette (the count goes to cash reconciliation)."""
        with self._lock:
            self.stacked = 0
            if self._fault == "cash_box_full":
                self._recovered()

    def _depleted(self) -> str | None:
        return "cash_box_full" if self.stacked >= self.capacity else None

    def _consumables(self) -> dict[str, int]:
        # Unlike paper, the cash box is reported as how full it is.
        return {"cash_box": min(100, 100 * self.stacked // self.capacity)}

    def _warning(self, consumables: dict[str, int]) -> str | None:
        return "cash_box_nearly_full" if consumables["cash_box"] >= self.full_percent else None

    def _control_extra(self) -> dict[str, Any]:
        return {
            "stacked": self.stacked,
            "session": self._session.model_dump(mode="json") if self._session else None,
            "denominations_fen": list(DENOMINATIONS_FEN),
        }
