"""A wristband carries the patient's name, age and allergies: each download of one, by the ward
or by a kiosk, leaves an audit row naming who took it; a refused one leaves none."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core.audit import SYSTEM, AuditEvent
from bedside.kiosks import service as kiosks_service
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import card_read, csrf, staff_login
from tests.integration.discharge.conftest import admitted


def _downloads() -> list[tuple[str, str, str | None, int | None, str | None, int | None]]:
    with DATABASE.session() as s:
        rows = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "wristband.download").order_by(AuditEvent.id)
        )
        return [
            (r.actor_kind, r.actor_label, r.entity_id, r.patient_id, r.detail.get("format"), r.kiosk_id)
            for r in rows
        ]


def test_the_ward_downloading_a_wristband_is_audited(client: TestClient, session: Session) -> None:
    ip = admitted(session)
    staff_login(client, "nurse.w01")
    for fmt, media in (("zpl", "text/plain"), ("png", "image/png")):
        r = client.get(f"/console/stays/{ip.notice_id}/wristband.{fmt}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    who = ("staff", "nurse.w01", str(ip.notice_id), ip.adm.patient.id)
    assert _downloads() == [(*who, "zpl", None), (*who, "png", None)]


def test_a_kiosk_downloading_a_wristband_is_audited_and_a_refusal_is_not(
    client: TestClient, session: Session
) -> None:
    ip = admitted(session)
    kiosk, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-WB",
        name="自助机",
        location="住院部",
        model="m",
        serial="s",
        modules=["id_reader", "wristband_printer"],
    )
    stranger = factories.patient(session, name="钱多多")
    token = csrf(client, "/kiosk/activate")
    client.post("/kiosk/activate", data={"key": key, "csrf_token": token})

    def sign_in(resident_id: str | None) -> None:
        r = client.post(
            "/kiosk/login",
            data={
                **card_read(key, "resident_id", resident_id or ""),
                "csrf_token": csrf(client, "/kiosk/login"),
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text

    sign_in(stranger.resident_id)
    assert client.get(f"/kiosk/stays/{ip.notice_id}/wristband.zpl").status_code == 404
    assert _downloads() == []

    sign_in(ip.adm.patient.resident_id)
    r = client.get(f"/kiosk/stays/{ip.notice_id}/wristband.zpl")
    assert r.status_code == 200 and r.text.startswith("^XA")
    assert _downloads() == [("kiosk", "K-WB", str(ip.notice_id), ip.adm.patient.id, "zpl", kiosk.id)]
