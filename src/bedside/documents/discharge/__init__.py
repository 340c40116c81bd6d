"""Discharge documents as PDFs: the medical e-invoice (医疗收费电子票据), the itemised fee list
(住院费用明细清单) and the insurance settlement list (医疗保障基金结算清单).

All three take frozen dataclasses (`model`) whose amounts are integer fen, print them in yuan via
`format_yuan`, embed the vendored CJK font, carry a QR code to the document's verify URL, and give
the same bytes for the same input (the creation date comes from the document, the producer is
fixed). The invoice and the settlement list carry the hospital's seal picture (`seal.seal_png`).

What is handed out is the rendered PDF signed by the hospital's certificate
(`bedside.documents.signing`); the signature, not the seal picture, is what makes a copy checkable.

The renderers are imported on first use: fpdf2, fontTools and Pillow cost a noticeable share of
start-up, and most processes never draw a document.
"""

from __future__ import annotations

from bedside.documents.discharge.model import (
    CATEGORY_GROUPS,
    INPATIENT_GROUPS,
    INSURANCE_NAMES,
    EInvoice,
    FeeLine,
    FeeList,
    InvoiceItem,
    SettlementList,
)
from bedside.documents.discharge.words import amount_in_words

__all__ = [
    "CATEGORY_GROUPS",
    "INPATIENT_GROUPS",
    "INSURANCE_NAMES",
    "EInvoice",
    "FeeLine",
    "FeeList",
    "InvoiceItem",
    "SettlementList",
    "amount_in_words",
    "fee_list_pdf",
    "invoice_pdf",
    "settlement_list_pdf",
]


def invoice_pdf(inv: EInvoice) -> bytes:
    """The e-invoice on A5 landscape, unsigned."""
    from bedside.documents.discharge.einvoice import render

    return render(inv)


def fee_list_pdf(fl: FeeList) -> bytes:
    """The fee list on A4, as many pages as it needs, unsigned."""
    from bedside.documents.discharge.fee_list import render

    return render(fl)


def settlement_list_pdf(sl: SettlementList) -> bytes:
    """The settlement list on one A4 page, unsigned."""
    from bedside.documents.discharge.settlement_list import render

    return render(sl)
