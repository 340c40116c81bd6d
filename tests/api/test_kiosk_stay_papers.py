"""The kiosk's itemized bill (住院清单, seed 003) and discharge certificate (出院证明书) through
the real app: the bill's categories, lines with quantity, unit price and amount, paged; the
certificate only once settled, signed by the hospital, verifiable, printed by ticket; neither
opens for another patient."""

from __future__ import annotations

import re

import pytest

from bedside.charges import service as charges
from bedside.core.audit import SYSTEM
from bedside.core.clock import local_today
from bedside.discharge import documents as documents_service
from bedside.discharge import service as discharge
from bedside.documents import certificates, signing
from bedside.kiosks import service as kiosks_service
from bedside.payments import refunds as payment_refunds
from bedside.settings import get_settings
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import csrf, kiosk_login
from tests.integration.discharge.conftest import HIS, Inpatient, admitted, line, signature

JSON = {"Accept": "application/json"}


@pytest.fixture
def ip(session) -> Inpatient:
    return admitted(session)


def _kiosk(session) -> str:  # type: ignore[no-untyped-def]
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-PAPERS",
        name="自助机",
        location="住院大厅",
        model="ZK-43",
        serial="S-PAPERS",
        modules=["id_reader", "laser_printer", "stamper"],
    )
    return key


def _charges(ip: Inpatient) -> None:
    """25 lines: 20 drugs (one half a tablet), 4 labs and a bed day reversed once."""
    lines = [line(f"D{i}", "A", 1000 + i, "western_drug", days_ago=3) for i in range(19)]
    lines.append(
        line("D19", "B", 250, "western_drug", quantity="0.5", unit_price_fen=500, name="阿司匹林肠溶片")
    )
    lines += [line(f"L{i}", "A", 5000, "lab", days_ago=2) for i in range(4)]
    lines.append(line("B1", "A", 30000, "bed", name="床位费"))
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, lines)


def test_the_itemized_bill_by_category_and_page(client, session, ip):
    _charges(ip)
    kiosk_login(client, _kiosk(session), ip.adm.patient.resident_id)
    assert f"/kiosk/stays/{ip.notice_id}/bill" in client.get("/kiosk/patient").text

    page = client.get(f"/kiosk/stays/{ip.notice_id}/bill")
    assert page.status_code == 200
    drugs = sum(1000 + i for i in range(19)) + 250
    total = drugs + 4 * 5000 + 30000
    assert f"¥{total / 100:,.2f}" in page.text
    assert 'data-page="1" data-pages="3"' in page.text and page.text.count('data-testid="bill-line"') == 12
    assert f'data-testid="bill-category-western_drug" data-amount="{drugs}"' in page.text

    last = client.get(f"/kiosk/stays/{ip.notice_id}/bill?page=3")
    assert last.text.count('data-testid="bill-line"') == 1 and "床位费" in last.text
    assert 'data-testid="bill-prev"' in last.text and 'data-testid="bill-next"' not in last.text

    drugs_page2 = client.get(f"/kiosk/stays/{ip.notice_id}/bill?category=western_drug&page=2")
    assert 'data-page="2" data-pages="2"' in drugs_page2.text
    assert drugs_page2.text.count('data-testid="bill-line"') == 8
    row = re.search(
        r'<tr data-testid="bill-line">(?:(?!</tr>).)*阿司匹林(?:(?!</tr>).)*</tr>', drugs_page2.text, re.S
    )
    assert row, drugs_page2.text
    cells = re.findall(r'<td class="num">([^<]*)</td>', row[0])
    assert cells == ["0.5", "¥5.00", "¥2.50"]  # quantity, unit price, amount
    assert f">¥{drugs / 100:,.2f}<" in drugs_page2.text  # the category's total under its lines


@pytest.mark.parametrize(
    "query, page_no, lines",
    [
        ("page=999", 3, 1),
        ("page=0", 1, 12),
        ("page=abc", 1, 12),
        ("page=" + "9" * 40, 3, 1),
        ("category=bogus", 1, 12),
    ],
    ids=["past-the-end", "zero", "not-a-number", "huge", "unknown-category"],
)
def test_odd_pages_and_categories_show_a_real_page(client, session, ip, query, page_no, lines):
    _charges(ip)
    kiosk_login(client, _kiosk(session), ip.adm.patient.resident_id)
    page = client.get(f"/kiosk/stays/{ip.notice_id}/bill?{query}")
    assert page.status_code == 200
    assert f'data-page="{page_no}"' in page.text and page.text.count('data-testid="bill-line"') == lines


def test_another_patients_bill_and_certificate_are_not_found(client, session, ip):
    stranger = factories.patient(session, name="路人丙")
    kiosk_login(client, _kiosk(session), stranger.resident_id)
    for path in ("bill", "certificate", "discharge_cert.pdf"):
        assert client.get(f"/kiosk/stays/{ip.notice_id}/{path}").status_code == 404, path


def _settle(ip: Inpatient) -> None:
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 300000, "bed")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        if discharge.get(s, ip.notice_id).state == "ward_cleared":
            discharge.review(s, ip.officer, ip.notice_id, "approve")
        discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "settle-papers-0001")
        payment_refunds.process_refunds(s)


def test_the_discharge_certificate_only_once_settled_then_signed_and_printed(client, session, ip):
    kiosk_login(client, key := _kiosk(session), ip.adm.patient.resident_id)
    early = client.get(f"/kiosk/stays/{ip.notice_id}/certificate")
    assert early.status_code == 409 and 'data-code="discharge_not_settled"' in early.text
    assert client.get(f"/kiosk/stays/{ip.notice_id}/discharge_cert.pdf").status_code == 409
    token = csrf(client, "/kiosk/patient")
    url = f"/kiosk/stays/{ip.notice_id}/discharge_cert.pdf"
    r = client.post("/kiosk/print-tickets", json={"url": url}, headers={"X-CSRF-Token": token, **JSON})
    assert r.status_code == 404  # no ticket for a certificate not issued

    _settle(ip)
    page = client.get(f"/kiosk/stays/{ip.notice_id}/certificate")
    assert page.status_code == 200
    assert f'data-print-url="{url}" data-print-kind="document" data-stamp' in page.text
    settled = client.get(f"/kiosk/stays/{ip.notice_id}/settled")
    assert 'data-testid="print-discharge_cert"' in settled.text  # printed with the other documents

    pdf = client.get(url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    check = signing.check_signature(pdf.content, certificates.hospital_trust(get_settings()))
    assert check.valid
    assert client.get(url).content == pdf.content  # issued once, the same document after

    number = re.search(r"(CY\d{10})", page.text)[1]  # type: ignore[index]
    with DATABASE.session() as s:
        row = documents_service.by_number_and_code(s, number, _code(s, number))
        assert row.kind == "discharge_cert" and documents_service.check_copy(row, pdf.content).genuine
        settlement = discharge.current_settlement(s, ip.notice_id)
        assert set(documents_service.documents(s, settlement)) == {"e_invoice", "fee_list", "settlement_list"}

    token = csrf(client, "/kiosk/patient")
    r = client.post("/kiosk/print-tickets", json={"url": url}, headers={"X-CSRF-Token": token, **JSON})
    assert r.status_code == 200, r.text
    printed = client.get(r.json()["ticket_url"], headers={"X-Kiosk-Key": key})
    assert printed.status_code == 200 and printed.content == pdf.content


def _code(s, number: str) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from bedside.discharge.models import DischargeDocument

    return s.scalar(select(DischargeDocument.check_code).where(DischargeDocument.number == number))
