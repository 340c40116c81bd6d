"""Remote actions through the real app and the agent's own runner: the engineer asks, the agent
prints a test receipt, sends a screenshot (shown to ops only) and restarts; the kiosk page
reloads on its service poll and shows the out-of-service screen with the engineer's reason;
one kiosk cannot answer another's action; bad input changes nothing; old asks expire."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from bedside.core.audit import SYSTEM
from bedside.fleet import commands
from bedside.fleet.models import KioskCommand
from bedside.kiosk_agent.app import build_devices
from bedside.kiosk_agent.commands import CommandRunner
from bedside.kiosk_agent.config import AgentSettings
from bedside.kiosks import service as kiosks_service
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import staff_login


@pytest.fixture
def remote(client, session, tmp_path: Path):  # type: ignore[no-untyped-def]
    factories.hospital(session)
    factories.staff(session, "ops.eng", "ops_engineer", full_name="运维甲")
    factories.staff(session, "nurse.a", "nurse")
    kiosk, key = kiosks_service.register(
        session, SYSTEM, code="K-C1", name="K-C1", location="门诊楼", model="ZK-43", serial="S-C1", modules=[]
    )
    other, other_key = kiosks_service.register(
        session, SYSTEM, code="K-C2", name="K-C2", location="门诊楼", model="ZK-43", serial="S-C2", modules=[]
    )
    config = AgentSettings(
        _env_file=None,
        server_url="http://testserver",
        kiosk_key=SecretStr(key),
        kiosk_code="K-C1",
        output_dir=tmp_path / "out",
    )
    devices = build_devices(config)
    restarts: list[int] = []
    runner = CommandRunner(config, devices, client, restart=lambda: restarts.append(1))
    client.headers["X-CSRF-Token"] = staff_login(client, "ops.eng")
    return {
        "kiosk": kiosk.id,
        "key": key,
        "other": other.id,
        "other_key": other_key,
        "runner": runner,
        "devices": devices,
        "restarts": restarts,
    }


def ask(client, kiosk_id: int, action: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/console/fleet/kiosks/{kiosk_id}/commands", data={"action": action}, follow_redirects=False
    )


def rows(kiosk_id: int) -> dict[str, tuple[str, str]]:
    with DATABASE.session() as s:
        return {c.action: (c.state, c.result) for c in commands.recent(s, kiosk_id)}


def test_the_agent_runs_what_the_engineer_asked_and_answers(client, remote) -> None:  # type: ignore[no-untyped-def]
    for action in ("test_print", "screenshot", "restart_agent"):
        assert ask(client, remote["kiosk"], action).status_code == 303
    assert ask(client, remote["kiosk"], "test_print").status_code == 409  # still waiting
    before = remote["devices"].transactions.snapshot()["receipts_printed"]
    done = remote["runner"].run_once()
    assert done == [("test_print", True), ("screenshot", True), ("restart_agent", True)]
    assert remote["restarts"] == [1]
    assert remote["devices"].transactions.snapshot()["receipts_printed"] == before + 1
    states = rows(remote["kiosk"])
    assert {a: s for a, (s, _) in states.items()} == {
        "test_print": "done",
        "screenshot": "done",
        "restart_agent": "done",
    }
    assert remote["runner"].run_once() == []  # nothing twice
    page = client.get(f"/console/fleet/kiosks/{remote['kiosk']}")
    assert page.status_code == 200 and 'data-testid="screenshot-link"' in page.text
    with DATABASE.session() as s:
        shot = next(c for c in commands.recent(s, remote["kiosk"]) if c.action == "screenshot")
    png = client.get(f"/console/fleet/commands/{shot.id}/screenshot.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    client.headers["X-CSRF-Token"] = staff_login(client, "nurse.a")
    assert client.get(f"/console/fleet/commands/{shot.id}/screenshot.png").status_code == 403


def test_a_failed_test_print_says_why(client, remote) -> None:  # type: ignore[no-untyped-def]
    remote["devices"].receipt_printer.inject("paper_out")
    ask(client, remote["kiosk"], "test_print")
    assert remote["runner"].run_once() == [("test_print", False)]
    assert rows(remote["kiosk"])["test_print"] == ("failed", "printer: paper_out")


def test_the_page_reloads_and_shows_out_of_service(client, remote) -> None:  # type: ignore[no-untyped-def]
    kiosk = {"X-Kiosk-Key": remote["key"]}
    poll = client.get("/kiosk/service-state", headers=kiosk)
    assert poll.status_code == 200 and "out-of-service" not in poll.text and "HX-Refresh" not in poll.headers
    ask(client, remote["kiosk"], "reload_page")
    assert client.get("/kiosk/service-state", headers=kiosk).headers.get("HX-Refresh") == "true"
    assert rows(remote["kiosk"])["reload_page"][0] == "done"
    assert "HX-Refresh" not in client.get("/kiosk/service-state", headers=kiosk).headers
    r = client.post(
        f"/console/fleet/kiosks/{remote['kiosk']}/service",
        data={"out": "1", "reason": "打印机维修中，请到二号机"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    poll = client.get("/kiosk/service-state", headers=kiosk)
    assert 'data-testid="out-of-service"' in poll.text and "打印机维修中" in poll.text
    # The agent's page poll is for pages; the agent's own round does not take the reload.
    assert remote["runner"].run_once() == []


def test_one_kiosk_cannot_answer_another_and_bad_input_changes_nothing(client, remote) -> None:  # type: ignore[no-untyped-def]
    ask(client, remote["kiosk"], "screenshot")
    with DATABASE.session() as s:
        sent = commands.for_agent(s, remote["kiosk"])
        (command,) = sent
    other = {"X-Kiosk-Key": remote["other_key"]}
    url = f"/api/v1/kiosk/commands/{command.id}/result"
    assert client.post(url, json={"ok": True}, headers=other).status_code == 404
    own = {"X-Kiosk-Key": remote["key"]}
    for body in (
        {"ok": True, "screenshot_png_b64": "not base64!"},
        {"ok": True, "screenshot_png_b64": "aGVsbG8="},
        {"ok": "maybe"},
        {},
    ):
        r = client.post(url, json=body, headers=own)
        assert r.status_code == 422, body
    assert rows(remote["kiosk"])["screenshot"][0] == "sent"
    assert client.post(url, json={"ok": False, "detail": "no screen"}, headers=own).status_code == 200
    assert client.post(url, json={"ok": True}, headers=own).status_code == 409  # already ended
    assert ask(client, remote["kiosk"], "format_disk").status_code == 422
    assert ask(client, 99999, "test_print").status_code == 404


def test_an_ask_nobody_picked_up_expires(client, remote) -> None:  # type: ignore[no-untyped-def]
    ask(client, remote["kiosk"], "test_print")
    with DATABASE.session() as s:
        row = s.query(KioskCommand).one()
        row.requested_at = row.requested_at - commands.EXPIRE_AFTER - timedelta(seconds=1)
        s.commit()
    assert remote["runner"].run_once() == []
    assert rows(remote["kiosk"])["test_print"][0] == "expired"


def test_the_kiosks_report_a_fault_button_opens_one_ticket(client, remote) -> None:  # type: ignore[no-untyped-def]
    kiosk = {"X-Kiosk-Key": remote["key"]}
    page = client.get("/kiosk/fault", headers=kiosk)
    assert page.status_code == 200 and 'data-testid="fault-printer"' in page.text
    r = client.post("/kiosk/fault", data={"fault_class": "printer", "fault": "小票打不出来"}, headers=kiosk)
    assert r.status_code == 200 and 'data-testid="fault-reported"' in r.text
    # The next patient in the queue presses it too: the same ticket, one more step.
    again = client.post("/kiosk/fault", data={"fault_class": "printer", "fault": ""}, headers=kiosk)
    assert again.status_code == 200
    with DATABASE.session() as s:
        from bedside.fleet import tickets

        (ticket,) = tickets.listing(s)
        assert (ticket.kiosk_id, ticket.source, ticket.fault, ticket.fault_class) == (
            remote["kiosk"],
            "kiosk",
            "小票打不出来",
            "printer",
        )
        assert [st.action for st in tickets.steps(s, ticket.id)] == ["open", "reported_again"]
    bad = client.post("/kiosk/fault", data={"fault_class": "coffee"}, headers=kiosk)
    assert bad.status_code == 422 and 'data-code="invalid_fault_class"' in bad.text
    home = client.get("/kiosk/", headers=kiosk)
    assert 'href="/kiosk/fault"' in home.text


def test_photos_on_a_repair_ticket(client, remote) -> None:  # type: ignore[no-untyped-def]
    from bedside.fleet import tickets

    with DATABASE.session() as s:
        ticket = tickets.open_ticket(s, SYSTEM, remote["kiosk"], fault="屏幕裂了", fault_class="screen")
    url = f"/console/fleet/tickets/{ticket.id}/photos"
    r = client.post(
        url, files={"file": ("crack.jpg", factories.jpeg(), "image/jpeg")}, follow_redirects=False
    )
    assert r.status_code == 303
    page = client.get(f"/console/fleet/tickets/{ticket.id}")
    assert page.text.count('data-testid="ticket-photo"') == 1
    with DATABASE.session() as s:
        from bedside.fleet import photos

        (photo,) = photos.listing(s, ticket.id)
    shown = client.get(f"{url}/{photo.id}")
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in shown.content[:64]
    for bad in (b"", b"GIF89a....", b"\xff\xd8\xff" + b"0" * 100):
        r = client.post(url, files={"file": ("x.jpg", bad, "image/jpeg")})
        assert r.status_code == 422 and 'data-code="invalid_image"' in r.text
    assert client.get(f"/console/fleet/tickets/{ticket.id + 1}/photos/{photo.id}").status_code == 404
    client.headers["X-CSRF-Token"] = staff_login(client, "nurse.a")
    assert client.get(f"{url}/{photo.id}").status_code == 403
