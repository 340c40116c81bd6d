"""Transition tables: the one place a lifecycle's status may change. Standard library only."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

S = TypeVar("S", bound=StrEnum)

Guard = Callable[[Any], str | None]
"""A named predicate: returns None when satisfied, else a message id saying why not."""


class InvalidTransition(Exception):
    def __init__(self, machine: str, state: str, action: str, reason: str | None = None) -> None:
        self.machine, self.state, self.action, self.reason = machine, state, action, reason
        super().__init__(f"{machine}: cannot {action} from {state}" + (f" ({reason})" if reason else ""))


@dataclass(frozen=True)
class Machine(Generic[S]):
    name: str
    transitions: Mapping[tuple[S, str], S]
    guards: Mapping[str, Sequence[Guard]] | None = None

    def actions(self) -> set[str]:
        return {action for _, action in self.transitions}

    def allowed(self, state: S) -> list[str]:
        return sorted(action for (src, action) in self.transitions if src == state)

    def next_state(self, state: S, action: str, subject: Any = None) -> S:
        target = self.transitions.get((state, action))
        if target is None:
            raise InvalidTransition(self.name, str(state), action)
        for guard in (self.guards or {}).get(action, ()):
            reason = guard(subject)
            if reason is not None:
                raise InvalidTransition(self.name, str(state), action, reason)
        return target
