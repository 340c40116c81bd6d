"""Settled on the phone through the real app: the three PDFs download (again and again, the same
bytes) signed by the hospital's certificate, another account gets 404, and the verification page
tells a genuine copy from an altered, re-signed or extended one."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from bedside.charges import service as charges
from bedside.core.clock import local_today
from bedside.discharge import service as discharge
from bedside.discharge.models import DischargeDocument
from bedside.documents.signing import document_hash, sign_pdf
from bedside.settings import get_settings
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import phone_login
from tests.integration.discharge.conftest import HIS, admitted, line, signature
from tests.unit.test_document_signing import append_cover, make_identity

SIGNER = "测试医院 电子文书签名"


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
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdfs["e_invoice"])).pages)
    assert "3,123.45" in text or "3123.45" in text
    number, code = _pair("e_invoice")
    page = client.get(f"/verify/{number}")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    pair = {"csrf_token": token, "number": number, "code": code}
    ok = client.post("/verify", data=pair, files={"file": ("a.pdf", pdfs["e_invoice"])})
    assert 'data-result="genuine"' in ok.text
    assert f'data-testid="signer">{SIGNER}<' in ok.text
    assert re.search(r'data-testid="signed-at">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d<', ok.text)
    forged = (
        pdfs["e_invoice"].replace(b"3,123.45", b"3,023.45")
        if b"3,123.45" in pdfs["e_invoice"]
        else (pdfs["e_invoice"][:-20] + b"%% altered amount\n" + pdfs["e_invoice"][-20:])
    )
    bad = client.post("/verify", data=pair, files={"file": ("a.pdf", forged)})
    assert re.search(r'data-result="altered" data-reason="(broken|unreadable)"', bad.text), bad.text[-900:]
    assert client.post("/verify", data={**pair, "number": "000"}).status_code == 404

    # Another account sees nothing.
    factories.account_for(session, "13600000077")
    client.post("/phone/logout", data={"csrf_token": token})
    phone_login(client, sms, "13600000077")
    assert client.get(links[0][0]).status_code == 404


def _downloaded(client, sms, session) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    done = _settle_on_phone(client, sms, admitted(session))
    links = re.findall(r'href="(/phone/settlements/\d+/(\w+)\.pdf)"', done)
    return {kind: client.get(url).content for url, kind in links}


def _pair(kind: str) -> tuple[str, str]:
    """The document's number and the check code printed on it."""
    with DATABASE.session() as s:
        row = s.scalar(select(DischargeDocument).where(DischargeDocument.kind == kind))
        assert row is not None
        return row.number, row.check_code


def _number(kind: str) -> str:
    return _pair(kind)[0]


def _code(number: str) -> str:
    with DATABASE.session() as s:
        code = s.scalar(select(DischargeDocument.check_code).where(DischargeDocument.number == number))
    assert code
    return code


def _verdict(client, number: str, data: bytes) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    page = client.get(f"/verify/{number}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"csrf_token": token, "number": number, "code": _code(number)}
    r = client.post("/verify", data=form, files={"file": ("a.pdf", data)})
    assert r.status_code == 200
    found = re.search(r'data-result="(\w+)" data-reason="(\w+)"', r.text)
    assert found, r.text
    return found.group(1), found.group(2)


def test_the_three_pdfs_pass_pyhanko_sign_validate(client, session, sms, signing_ca, tmp_path: Path):
    pdfs = _downloaded(client, sms, session)
    assert sorted(pdfs) == ["e_invoice", "fee_list", "settlement_list"]
    for kind, data in pdfs.items():
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(data)
        # Only the run's own CA is trusted, not the operating system's list.
        run = subprocess.run(
            [str(Path(sys.executable).with_name("pyhanko")), "sign", "validate", "--trust-replace"]
            + ["--trust", str(signing_ca.ca_cert), str(path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert ":INTACT:TRUSTED,UNTOUCHED" in run.stdout, run.stdout


def test_verification_refuses_altered_resigned_and_extended_copies(client, session, sms):
    pdfs = _downloaded(client, sms, session)
    invoice, number = pdfs["e_invoice"], _number("e_invoice")
    assert _verdict(client, number, invoice) == ("genuine", "genuine")

    flipped = bytearray(invoice)
    flipped[len(flipped) // 3] ^= 0x01
    assert _verdict(client, number, bytes(flipped)) == ("altered", "broken")

    # Drawn over after signing, as an incremental update: the signature is intact but short.
    assert _verdict(client, number, append_cover(invoice)) == ("altered", "not_whole_file")

    # The hospital signed it, but it is the fee list, not the invoice with this number.
    assert _verdict(client, number, pdfs["fee_list"]) == ("altered", "not_issued")

    # The revision before the signature: the document as drawn, unsigned.
    unsigned = invoice[: invoice.index(b"%%EOF") + len(b"%%EOF\n")]
    assert _verdict(client, number, unsigned) == ("altered", "unsigned")


def test_a_forgery_with_its_hash_recomputed_fails_on_the_signature(client, session, sms):
    """Changed content re-signed by a self-made certificate in the hospital's name, with the
    stored copy and its hash replaced too: only the signature can tell, and it does."""
    invoice, number = _downloaded(client, sms, session)["e_invoice"], _number("e_invoice")
    unsigned = invoice[: invoice.index(b"%%EOF") + len(b"%%EOF\n")]
    forged = sign_pdf(append_cover(unsigned), make_identity("测试医院"))
    with DATABASE.session() as s:
        row = s.scalar(select(DischargeDocument).where(DischargeDocument.number == number))
        row.pdf, row.sha256 = forged, document_hash(forged)
        s.commit()
    page = client.get(f"/verify/{number}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"csrf_token": token, "number": number, "code": _code(number)}
    r = client.post("/verify", data=form, files={"file": ("a.pdf", forged)})
    assert 'data-result="altered" data-reason="other_signer"' in r.text
    # Who signed it is shown, so a reader sees the name is copied, not vouched for.
    assert f'data-testid="signer">{SIGNER}<' in r.text


def test_without_a_certificate_outside_test_mode_no_document_is_issued(client, session, sms, monkeypatch):
    done = _settle_on_phone(client, sms, admitted(session))
    url = re.search(r'href="(/phone/settlements/\d+/e_invoice\.pdf)"', done).group(1)
    settings = get_settings()
    for name, value in (("testing", False), ("signing_key_file", None), ("signing_cert_file", None)):
        monkeypatch.setattr(settings, name, value)
    r = client.get(url)
    assert r.status_code == 503 and "signing_not_configured" in r.text
    assert not r.content.startswith(b"%PDF")
    with DATABASE.session() as s:
        assert s.scalar(select(DischargeDocument.id)) is None  # nothing half-issued, nothing unsigned
