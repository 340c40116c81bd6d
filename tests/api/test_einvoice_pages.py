"""The phone shows the fiscal platform's numbers for the stay's e-invoice, and after the
cashier reverses the settlement, the invoice as reversed with the red-letter bill's numbers;
the PDF link waits (409, not 500) while the platform has not issued the bill."""

from __future__ import annotations

import re

from sqlalchemy import select

from bedside.discharge import service as discharge
from bedside.einvoice.models import EInvoiceBill
from tests.api.test_discharge_documents import _settle_on_phone
from tests.conftest import DATABASE
from tests.integration.discharge.conftest import admitted


def _bill() -> EInvoiceBill:
    with DATABASE.session() as s:
        row = s.scalar(select(EInvoiceBill))
        assert row is not None
        s.expunge(row)
        return row


def test_phone_shows_the_platforms_numbers_then_the_red_letter_bill(client, session, sms, einvoice_platform):  # type: ignore[no-untyped-def]
    ip = admitted(session)
    done = _settle_on_phone(client, sms, ip)
    bill = _bill()
    assert bill.state == "issued"
    assert f'data-testid="einvoice-no">{bill.number}<' in done
    assert f'data-testid="einvoice-code">{bill.batch_code}<' in done
    assert f'data-testid="einvoice-check">{bill.check_code}<' in done
    assert 'data-testid="doc-e_invoice"' in done
    with DATABASE.session() as s:
        discharge.reverse(s, ip.cashier, ip.notice_id, "重复收费")
    from bedside.core.events import dispatch_pending

    while dispatch_pending(DATABASE.session_factory):
        pass
    bill = _bill()
    assert bill.state == "reversed" and bill.red_number
    page = client.get(f"/phone/stays/{ip.notice_id}/settle")
    assert page.status_code == 200
    assert re.search(r'data-testid="einvoice" data-state="reversed"', page.text)
    assert f"{bill.red_batch_code} {bill.red_number}" in page.text
    assert [b["state"] for b in einvoice_platform.bills()] == ["2"]


def test_the_invoice_pdf_waits_while_the_platform_is_down(client, session, sms, einvoice_platform):  # type: ignore[no-untyped-def]
    ip = admitted(session)
    einvoice_platform.fault("http_503", times=3)
    done = _settle_on_phone(client, sms, ip)
    assert (
        'data-testid="doc-e_invoice-pending"' in done
        and 'data-testid="einvoice" data-state="pending"' in done
    )
    settlement_id = re.search(r"/phone/settlements/(\d+)/fee_list\.pdf", done).group(1)
    r = client.get(f"/phone/settlements/{settlement_id}/e_invoice.pdf")
    assert r.status_code == 409 and "einvoice_pending" in r.text
    assert client.get(f"/phone/settlements/{settlement_id}/fee_list.pdf").status_code == 200
    assert client.get(f"/phone/settlements/{settlement_id}/e_invoice.pdf").status_code == 200  # back up
