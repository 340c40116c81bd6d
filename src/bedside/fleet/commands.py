"""Remote actions on a kiosk: reload its page, restart its agent, take a screenshot, print a
test receipt. The engineer asks in the console; the kiosk page picks up a reload on its
service poll; the agent picks up the rest on its next round and answers with the result."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.fleet.models import KioskCommand
from bedside.fleet.states import COMMAND_MACHINE, CommandState
from bedside.kiosks import service as kiosks_service

PAGE_ACTIONS = ("reload_page",)
AGENT_ACTIONS = ("restart_agent", "screenshot", "test_print")
ACTIONS = PAGE_ACTIONS + AGENT_ACTIONS
# A kiosk that does not pick the command up within this time does not act on it later.
EXPIRE_AFTER = timedelta(minutes=10)
MAX_SCREENSHOT_BYTES = 4 * 1024 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _move(command: KioskCommand, step: str, now: datetime) -> None:
    try:
        command.state = COMMAND_MACHINE.next_state(CommandState(command.state), step)
    except InvalidTransition as exc:
        raise Conflict(N_("This remote action has already ended."), code="command_ended") from exc
    if step == "send":
        command.sent_at = now
    elif step in ("done", "fail", "expire"):
        command.done_at = now


def request(session: Session, actor: Actor, kiosk_id: int, action: str) -> KioskCommand:
    kiosks_service.get(session, kiosk_id)
    if action not in ACTIONS:
        raise InvalidInput(N_("Choose a remote action."), code="invalid_action", field="action")
    open_same = session.scalar(
        select(KioskCommand.id).where(
            KioskCommand.kiosk_id == kiosk_id,
            KioskCommand.action == action,
            KioskCommand.state.in_([CommandState.PENDING, CommandState.SENT]),
        )
    )
    if open_same is not None:
        raise Conflict(N_("The kiosk has not answered the same action yet."), code="command_pending")
    command = KioskCommand(
        kiosk_id=kiosk_id, action=action, state=CommandState.PENDING, requested_by=actor.label[:100]
    )
    session.add(command)
    session.flush()
    audit.record(session, actor, "fleet.command_requested", "fleet_command", command.id, command=action)
    session.commit()
    return command


def recent(session: Session, kiosk_id: int, limit: int = 10) -> list[KioskCommand]:
    stmt = select(KioskCommand).where(KioskCommand.kiosk_id == kiosk_id).order_by(KioskCommand.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def get(session: Session, command_id: int) -> KioskCommand:
    command = session.get(KioskCommand, command_id)
    if command is None:
        raise NotFound()
    return command


def _pending(session: Session, kiosk_id: int, actions: tuple[str, ...], now: datetime) -> list[KioskCommand]:
    rows = list(
        session.scalars(
            select(KioskCommand)
            .where(
                KioskCommand.kiosk_id == kiosk_id,
                KioskCommand.state == CommandState.PENDING,
                KioskCommand.action.in_(actions),
            )
            .order_by(KioskCommand.id)
        )
    )
    live = []
    for command in rows:
        if now - command.requested_at > EXPIRE_AFTER:
            _move(command, "expire", now)
        else:
            live.append(command)
    return live


def for_page(session: Session, kiosk_id: int) -> bool:
    """True when the page should reload now; the reload counts as done."""
    now = utcnow()
    commands = _pending(session, kiosk_id, PAGE_ACTIONS, now)
    for command in commands:
        _move(command, "done", now)
        command.result = "page reloaded"
    session.commit()
    return bool(commands)


def for_agent(session: Session, kiosk_id: int) -> list[KioskCommand]:
    now = utcnow()
    commands = _pending(session, kiosk_id, AGENT_ACTIONS, now)
    for command in commands:
        _move(command, "send", now)
    session.commit()
    return commands


def answer(
    session: Session, kiosk_id: int, command_id: int, ok: bool, detail: str, screenshot_b64: str | None
) -> KioskCommand:
    command = get(session, command_id)
    if command.kiosk_id != kiosk_id:
        raise NotFound()
    png = None
    if screenshot_b64:
        if command.action != "screenshot":
            raise InvalidInput(N_("Only a screenshot answers with an image."), code="unexpected_image")
        try:
            png = base64.b64decode(screenshot_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(N_("The screenshot is not valid base64."), code="invalid_image") from exc
        if len(png) > MAX_SCREENSHOT_BYTES or not png.startswith(PNG_MAGIC):
            raise InvalidInput(N_("The screenshot must be a PNG of at most 4 MB."), code="invalid_image")
    _move(command, "done" if ok else "fail", utcnow())
    command.result = detail.strip()[:300]
    command.screenshot = png
    audit.record(
        session,
        Actor(kind="kiosk", id=kiosk_id, label=f"kiosk {kiosk_id}", kiosk_id=kiosk_id),
        f"fleet.command_{command.state}",
        "fleet_command",
        command.id,
        command=command.action,
    )
    session.commit()
    return command


def screenshot(session: Session, command_id: int) -> bytes:
    command = get(session, command_id)
    if command.screenshot is None:
        raise NotFound()
    return command.screenshot
