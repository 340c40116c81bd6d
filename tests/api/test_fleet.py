"""Fleet operations through the real app: the kiosk agent's own reporter posts telemetry, the
fleet shows the state it implies, the evaluator raises an alert once, the on-call engineer's
phone is told, the engineer acknowledges, the alert escalates or resolves; repair tickets with
a spare standing in; only ops engineers get in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bedside.core.audit import SYSTEM, AuditEvent
from bedside.core.db import utcnow
from bedside.core.events import dispatch_pending
from bedside.fleet import alerts as fleet_alerts
from bedside.fleet.models import FleetAlert
from bedside.kiosk_agent.app import build_devices
from bedside.kiosk_agent.config import AgentSettings
from bedside.kiosk_agent.telemetry import TelemetryReporter
from bedside.kiosks import service as kiosks_service
from bedside.notifications.models import NotificationDelivery
from bedside.notifications.service import send_due
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import staff_login

ENGINEER_PHONE = "13900000077"


def register(session, code: str, location: str = "门诊楼一层大厅") -> tuple[int, str]:  # type: ignore[no-untyped-def]
    kiosk, key = kiosks_service.register(
        session,
        SYSTEM,
        code=code,
        name=code,
        location=location,
        model="ZK-43",
        serial=f"S-{code}",
        modules=["receipt_printer", "id_reader"],
    )
    return kiosk.id, key


@pytest.fixture
def fleet(client, session, tmp_path: Path):  # type: ignore[no-untyped-def]
    factories.hospital(session)
    engineer = factories.staff(session, "ops.eng", "ops_engineer", full_name="运维甲")
    factories.staff(session, "it.admin", "admin")
    kiosk_id, key = register(session, "K-F1")
    config = AgentSettings(
        _env_file=None, server_url="http://testserver", kiosk_key=SecretStr(key), output_dir=tmp_path / "out"
    )
    devices = build_devices(config)
    # The agent's real reporter, speaking to the app through the test client.
    reporter = TelemetryReporter(config, devices, client=client)
    token = staff_login(client, "ops.eng")
    return {
        "kiosk_id": kiosk_id,
        "devices": devices,
        "reporter": reporter,
        "token": token,
        "engineer": engineer,
    }


def evaluate(now=None):  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        counts = fleet_alerts.evaluate(s, now=now)
    while dispatch_pending(DATABASE.session_factory):
        pass
    return counts


def live(kiosk_id: int) -> list[FleetAlert]:
    with DATABASE.session() as s:
        return list(
            s.scalars(select(FleetAlert).where(FleetAlert.kiosk_id == kiosk_id).order_by(FleetAlert.id))
        )


def kiosk_state(client, code: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    r = client.get("/api/v1/fleet/kiosks")
    assert r.status_code == 200
    return next(k for k in r.json() if k["code"] == code)


def test_telemetry_to_fleet_state_to_alert_and_back(client, session, sms, fleet) -> None:  # type: ignore[no-untyped-def]
    devices, reporter, token = fleet["devices"], fleet["reporter"], fleet["token"]
    r = client.post(
        f"/console/fleet/kiosks/{fleet['kiosk_id']}/placement",
        data={
            "campus": "本部",
            "building": "门诊楼",
            "floor": "1F",
            "area": "大厅",
            "maker": "中科",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        "/console/fleet/on-call",
        data={
            "staff_user_id": fleet["engineer"].id,
            "phone": ENGINEER_PHONE,
            "level": 1,
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert kiosk_state(client, "K-F1")["state"] == "offline"  # never heard from

    assert reporter.report_once()
    k = kiosk_state(client, "K-F1")
    assert (k["state"], k["floor"], k["area"]) == ("online", "1F", "大厅")
    assert (
        k["software_version"].startswith("bedside-kiosk-agent") and k["consumables"]["receipt_paper"] == 100
    )
    devices.receipt_printer.print_escpos(b"\x1b@hello\n")
    assert reporter.report_once()
    k = kiosk_state(client, "K-F1")
    assert (k["state"], k["transactions_today"]) == ("in_use", 1)

    devices.receipt_printer.inject("jam")  # type: ignore[attr-defined]
    assert reporter.report_once()
    assert kiosk_state(client, "K-F1")["state"] == "degraded"
    assert evaluate()["raised"] == 1, [(a.rule, a.subject, a.detail) for a in live(fleet["kiosk_id"])]
    assert evaluate()["raised"] == 0  # raised once: the same condition is the same alert
    [alert] = live(fleet["kiosk_id"])
    assert (alert.rule, alert.subject, alert.state) == ("module_fault", "receipt_printer", "open")
    page = client.get("/console/fleet")
    assert 'data-testid="fleet-state-K-F1" data-state="degraded"' in page.text
    assert 'data-rule="module_fault"' in client.get("/console/fleet/alerts").text
    detail = client.get(f"/console/fleet/kiosks/{fleet['kiosk_id']}")
    assert detail.status_code == 200 and "receipt_printer jam" in detail.text  # the fault log
    assert 'data-testid="fleet-versions"' in page.text and "bedside-kiosk-agent" in page.text
    floor = client.get("/console/fleet?view=floor&floor=1F")
    assert floor.status_code == 200 and 'data-floor="本部 · 门诊楼 · 1F"' in floor.text
    assert "K-F1" not in client.get("/console/fleet/grid?state=online").text.split("fleet-table")[1]

    with DATABASE.session() as s:
        sent = list(
            s.scalars(
                select(NotificationDelivery).where(NotificationDelivery.template == "fleet_alert_raised")
            )
        )
        assert {d.channel for d in sent} >= {"sms"} and all(d.urgent for d in sent)
        send_due(s)
    assert any(m.phone == ENGINEER_PHONE and "K-F1" in m.text for m in sms.sent)

    r = client.post(f"/api/v1/fleet/alerts/{alert.id}/ack", json={}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    again = client.post(f"/api/v1/fleet/alerts/{alert.id}/ack", json={}, headers={"X-CSRF-Token": token})
    assert again.status_code == 409 and again.json()["code"] == "fleet_alert_not_open"

    devices.receipt_printer.clear()
    assert reporter.report_once()
    assert evaluate()["resolved"] == 1
    assert [a.state for a in live(fleet["kiosk_id"])] == ["resolved"]
    with DATABASE.session() as s:
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "fleet_alert")))
    assert actions == {"fleet.alert_raised", "fleet.alert_acknowledged", "fleet.alert_resolved"}

    # Silence: offline on the console after 90 s, an alert after two minutes, escalated after 15.
    later = utcnow() + timedelta(minutes=3)
    assert evaluate(later)["raised"] == 1
    offline = live(fleet["kiosk_id"])[-1]
    assert (offline.rule, offline.severity) == ("offline", "critical")
    assert evaluate(later + timedelta(minutes=16))["escalated"] == 1
    assert live(fleet["kiosk_id"])[-1].state == "escalated"
    with DATABASE.session() as s:
        assert s.scalar(
            select(NotificationDelivery).where(NotificationDelivery.template == "fleet_alert_escalated")
        )
    assert reporter.report_once()  # back: the offline alert resolves by itself
    assert evaluate()["resolved"] == 1


def test_repair_ticket_with_a_spare_standing_in(client, session, fleet) -> None:  # type: ignore[no-untyped-def]
    token = fleet["token"]
    spare_id, spare_key = register(session, "K-SPARE", location="运维库房")
    for kid, place in (
        (fleet["kiosk_id"], {"building": "住院楼", "floor": "3F", "area": "护士站旁"}),
        (spare_id, {"area": "库房", "spare": "1"}),
    ):
        r = client.post(
            f"/console/fleet/kiosks/{kid}/placement",
            data={**place, "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303
    # The kiosk's own "report a fault" button.
    r = client.post(
        "/api/v1/kiosk/faults",
        json={"fault": "屏幕无响应", "fault_class": "screen"},
        headers={"X-Kiosk-Key": kiosks_service.demo_key("x")},
    )
    assert r.status_code == 401
    key = fleet["reporter"].config.kiosk_key.get_secret_value()
    r = client.post(
        "/api/v1/kiosk/faults",
        json={"fault": "屏幕无响应", "fault_class": "screen"},
        headers={"X-Kiosk-Key": key},
    )
    assert r.status_code == 201
    ticket_id = r.json()["id"]
    bad = client.post(
        "/api/v1/kiosk/faults", json={"fault": "x", "fault_class": "coffee"}, headers={"X-Kiosk-Key": key}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_fault_class"

    r = client.post(f"/console/fleet/tickets/{ticket_id}/act", data={"action": "close", "csrf_token": token})
    assert r.status_code == 409 and 'data-code="fleet_ticket_invalid_transition"' in r.text
    r = client.post(
        f"/console/fleet/tickets/{ticket_id}/stand-in",
        data={"spare_kiosk_id": fleet["kiosk_id"], "csrf_token": token},
    )
    assert r.status_code == 409
    r = client.post(
        f"/console/fleet/tickets/{ticket_id}/stand-in",
        data={"spare_kiosk_id": spare_id, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    k = {v["code"]: v for v in client.get("/api/v1/fleet/kiosks").json()}
    assert (k["K-SPARE"]["building"], k["K-SPARE"]["floor"], k["K-SPARE"]["area"]) == (
        "住院楼",
        "3F",
        "护士站旁",
    )
    assert k["K-F1"]["state"] == "out_of_service"
    assert ">K-SPARE</a>" in client.get(f"/console/fleet/kiosks/{fleet['kiosk_id']}").text
    with DATABASE.session() as s:
        assert kiosks_service.get(s, spare_id).location == "门诊楼一层大厅"
    # The spare keeps its own key: it still signs in as itself.
    assert client.get("/api/v1/kiosk/me", headers={"X-Kiosk-Key": spare_key}).json()["code"] == "K-SPARE"

    for action in ("diagnose", "send_to_maker", "repair", "close"):
        r = client.post(
            f"/console/fleet/tickets/{ticket_id}/act",
            data={"action": action, "note": action, "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303, (action, r.text[:300])
    page = client.get(f"/console/fleet/tickets/{ticket_id}")
    assert 'data-state="closed"' in page.text and 'data-testid="stand-in"' in page.text
    k = {v["code"]: v for v in client.get("/api/v1/fleet/kiosks").json()}
    assert k["K-SPARE"]["area"] == "库房" and k["K-F1"]["state"] != "out_of_service"
    with DATABASE.session() as s:
        assert kiosks_service.get(s, spare_id).location == "运维库房"
        steps = set(s.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "fleet_ticket")))
    assert {
        "fleet.ticket_open",
        "fleet.ticket_stand_in",
        "fleet.ticket_repair",
        "fleet.ticket_close",
    } <= steps
    assert client.get(f"/console/fleet/tickets/{ticket_id}/label").status_code == 200


def test_only_ops_engineers_get_in_and_metrics_show_the_kiosks(client, session, fleet) -> None:  # type: ignore[no-untyped-def]
    fleet["reporter"].report_once()
    evaluate()
    staff_login(client, "it.admin")
    assert client.get("/console/fleet").status_code == 403
    assert client.get("/api/v1/fleet/kiosks").status_code == 403
    text = client.get("/metrics").text
    assert 'bedside_kiosk_up{kiosk="K-F1"} 1.0' in text
    assert 'bedside_kiosk_module_up{kiosk="K-F1",module="receipt_printer"} 1.0' in text
    assert 'bedside_kiosk_consumable_percent{consumable="receipt_paper",kiosk="K-F1"} 100.0' in text


def test_the_stream_sends_the_fleet_state(client, fleet) -> None:  # type: ignore[no-untyped-def]
    fleet["reporter"].report_once()
    r = client.get("/console/fleet/stream?seconds=0")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    assert "event: fleet" in r.text and '"K-F1": "online"' in r.text


def test_bad_input_changes_nothing(client, fleet) -> None:  # type: ignore[no-untyped-def]
    token = fleet["token"]
    r = client.post(
        f"/console/fleet/kiosks/{fleet['kiosk_id']}/placement",
        data={"production_date": "2020-13-01", "csrf_token": token},
    )
    assert r.status_code == 422 and 'data-code="invalid_date"' in r.text
    r = client.post(
        "/console/fleet/on-call",
        data={"staff_user_id": fleet["engineer"].id, "phone": "123", "csrf_token": token},
    )
    assert r.status_code == 422 and 'data-code="invalid_phone"' in r.text
    r = client.post(
        f"/console/fleet/kiosks/{fleet['kiosk_id']}/service",
        data={"out": "1", "reason": "", "csrf_token": token},
    )
    assert r.status_code == 422 and 'data-code="reason_required"' in r.text
    assert client.get("/console/fleet/kiosks/999999").status_code == 404


def test_missed_upkeep_raises_an_alert_that_the_checklist_clears(client, session, fleet) -> None:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    import time_machine

    from bedside.kiosks.models import Kiosk

    token, kiosk_id = fleet["token"], fleet["kiosk_id"]
    with DATABASE.session() as s:
        s.get(Kiosk, kiosk_id).created_at = utcnow() - timedelta(days=3)
        s.commit()
    # 11:00 local today: the daily cleaning was due by 10:00.
    late = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).replace(hour=11, minute=0)
    with time_machine.travel(late, tick=True):
        # 11:00 may be hours from now (the suite runs at any hour): sign in again then.
        token = staff_login(client, "ops.eng")
        fleet["reporter"].report_once()
        evaluate()
        assert [(a.rule, a.subject, a.state) for a in live(kiosk_id)] == [("upkeep_missed", "daily", "open")]

        page = client.get(f"/console/fleet/kiosks/{kiosk_id}/upkeep")
        assert page.status_code == 200 and 'data-testid="checklist-daily"' in page.text
        half = client.post(
            f"/console/fleet/kiosks/{kiosk_id}/upkeep",
            data={"kind": "daily", "items": ["screen_cleaned"], "csrf_token": token},
        )
        assert half.status_code == 422 and 'data-code="checklist_incomplete"' in half.text
        r = client.post(
            f"/console/fleet/kiosks/{kiosk_id}/upkeep",
            data={
                "kind": "daily",
                "items": ["screen_cleaned", "surfaces_disinfected", "paper_checked", "cash_box_checked"],
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
        evaluate()
        assert [a.state for a in live(kiosk_id)] == ["resolved"]
    assert 'data-testid="upkeep-label"' in client.get(f"/console/fleet/kiosks/{kiosk_id}").text
