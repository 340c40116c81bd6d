"""Settled on the phone through the real app: the three PDFs download (again and again, the same
bytes), another account gets 404, and the verification page tells a genuine copy from one
with a changed amount."""

from __future__ import annotations

import re

from pypdf import PdfReader
from sqlalchemy import select

from bedside.charges import service as charges
from bedside.core.clock import local_today
from bedside.discharge import service as discharge
from bedside.discharge.models import DischargeDocument
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import phone_login
from tests.integration.discharge.conftest import HIS, admitted, line, signature


def _settle_on_phone(client, sms, ip):  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 300000, "bed"), line("2", "C", 12345, "lab")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        discharge.review(s, ip.officer, ip.notice_id, "approve")
    token = phone_login(client, sms, "13600000011")
    page = client.get(f"/phone/stays/{ip.notice_id}/settle")
    assert page.status_code == 200 and 'data-testid="refund-due"' in page.text
    key = re.search(r'name="request_key" value="([^"]+)"', page.text).group(1)
    r = client.post(
        f"/phone/stays/{ip.notice_id}/settle",
        data={"csrf_token": token, "request_key": key, "signature": signature()},
        follow_redirects=True,
    )
    assert r.status_code == 200 and 'data-testid="settled"' in r.text
    return r.text


def test_documents_download_and_verify(client, session, sms):
    ip = admitted(session)
    done = _settle_on_phone(client, sms, ip)
    links = re.findall(r'href="(/phone/settlements/\d+/(\w+)\.pdf)"', done)
    assert [k for _, k in links] == ["e_invoice", "fee_list", "settlement_list"]
    pdfs = {}
    for url, kind in links:
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert client.get(url).content == r.content  # fetched again: the document as issued
        pdfs[kind] = r.content
    text = "".join(
        page.extract_text() for page in PdfReader(__import__("io").BytesIO(pdfs["e_invoice"])).pages
    )
    assert "3,123.45" in text or "3123.45" in text
    with DATABASE.session() as s:
        number = s.scalar(select(DischargeDocument.number).where(DischargeDocument.kind == "e_invoice"))
    page = client.get(f"/verify/{number}")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    ok = client.post(
        f"/verify/{number}", data={"csrf_token": token}, files={"file": ("a.pdf", pdfs["e_invoice"])}
    )
    assert 'data-result="genuine"' in ok.text
    forged = (
        pdfs["e_invoice"].replace(b"3,123.45", b"3,023.45")
        if b"3,123.45" in pdfs["e_invoice"]
        else (pdfs["e_invoice"][:-20] + b"%% altered amount\n" + pdfs["e_invoice"][-20:])
    )
    bad = client.post(f"/verify/{number}", data={"csrf_token": token}, files={"file": ("a.pdf", forged)})
    assert 'data-result="altered"' in bad.text
    assert client.get("/verify/000").status_code == 404

    # Another account sees nothing.
    factories.account_for(session, "13600000077")
    client.post("/phone/logout", data={"csrf_token": token})
    phone_login(client, sms, "13600000077")
    assert client.get(links[0][0]).status_code == 404
