"""The reliability world's data for the operations added with fleet rollout, remote actions,
companion care and the HIS's discharge medication: real ids and keys so that a patched case can
reach its success path. Built once per run, beside apiworld.build."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from bedside.companion import bills as care_bills
from bedside.core import bundles
from bedside.core.audit import SYSTEM
from bedside.core.clock import local_today
from bedside.fleet import releases, rollout
from bedside.fleet.models import KioskCommand
from bedside.fleet.states import CommandState
from bedside.settings import get_settings
from tests.conftest import DATABASE

VERSION = "2026.12.9"
COMMANDS = 30


@dataclass
class NewWorld:
    ddi_action_id: int = 0
    ddi_release_id: int = 0
    ddi_filename: str = ""
    command_ids: list[int] = field(default_factory=list)
    care_key: str = ""
    care_caregiver_ids: list[int] = field(default_factory=list)
    care_order_ids: list[int] = field(default_factory=list)
    care_bill_ids: list[int] = field(default_factory=list)
    care_day_ids: list[int] = field(default_factory=list)


def _day(n: int) -> str:
    return datetime.combine(local_today() - timedelta(days=n), time(), get_settings().tz).isoformat()


def build(app: FastAPI, kiosk_id: int, notice_id: int, inpatient_no: str) -> NewWorld:
    w = NewWorld()
    private, public = bundles.new_release_key()
    key_file = Path(tempfile.mkdtemp(prefix="bedside-release-")) / "release.pub.pem"
    key_file.write_bytes(public)
    get_settings().kiosk_release_public_key_file = key_file
    bundle = bundles.build(VERSION, {"kiosk/index.html": b"<html></html>"})
    with DATABASE.session() as s:
        release = releases.publish(s, SYSTEM, bundle, bundles.sign(bundle, private))
        created = rollout.create(s, SYSTEM, release.id, kiosk_id, soak_minutes=0)
        rollout.start(s, SYSTEM, created.id)
        (action,) = rollout.actions(s, created.id)
        w.ddi_action_id, w.ddi_release_id = action.id, release.id
        w.ddi_filename = f"bedside-kiosk-{VERSION}.tar.gz"
        rows = [
            KioskCommand(kiosk_id=kiosk_id, action="test_print", state=CommandState.PENDING, requested_by="t")
            for _ in range(COMMANDS)
        ]
        s.add_all(rows)
        s.commit()
        w.command_ids = [r.id for r in rows]
        from bedside.companion import vendors

        _, w.care_key = vendors.register(s, SYSTEM, "可靠陪护", "1900000009")
    auth = {"Authorization": f"Bearer {w.care_key}"}
    with TestClient(app, base_url="http://testserver") as client:
        for n in range(3):
            giver = client.post(
                "/api/v1/care/caregivers", json={"name": f"护工{n}", "phone": f"1391234567{n}"}, headers=auth
            )
            assert giver.status_code == 201, giver.text
            w.care_caregiver_ids.append(giver.json()["id"])
            body = {
                "vendor_ref": f"REL-{n}",
                "inpatient_no": inpatient_no,
                "caregiver_id": giver.json()["id"],
                "daily_rate_fen": 20000,
                "starts_at": _day(3),
            }
            order = client.post("/api/v1/care/orders", json=body, headers=auth)
            assert order.status_code == 201, order.text
            w.care_order_ids.append(order.json()["id"])
        for order_id in w.care_order_ids[:2]:
            bill = client.post(f"/api/v1/care/orders/{order_id}/bills", headers=auth)
            assert bill.status_code == 201, bill.text
            w.care_bill_ids.append(bill.json()["id"])
            w.care_day_ids.append(bill.json()["days"][0]["id"])  # one disputed day per bill
    with DATABASE.session() as s:
        from bedside.admissions.models import AdmissionNotice

        stay = s.get(AdmissionNotice, notice_id)
        for day_id in w.care_day_ids:
            care_bills.dispute(s, SYSTEM, stay, day_id, "这天护工不在")
    return w
