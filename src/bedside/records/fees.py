"""What may be copied and what it costs: a page estimate per part of the record (here), the
price per page and the postage for mail (settings). Amounts in fen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bedside.core.i18n import N_
from bedside.settings import get_settings

# Part of the medical record -> (label, estimated pages of one copy).
PARTS: dict[str, tuple[str, int]] = {
    "admission_record": (N_("Admission record"), 4),
    "discharge_summary": (N_("Discharge summary"), 2),
    "surgery_record": (N_("Surgery and anaesthesia records"), 6),
    "exam_reports": (N_("Examination and lab reports"), 8),
    "medication_orders": (N_("Doctor's orders"), 10),
    "nursing_records": (N_("Nursing records"), 12),
}
PURPOSES: dict[str, str] = {
    "insurance_claim": N_("Insurance claim"),
    "treatment_elsewhere": N_("Follow-up treatment elsewhere"),
    "personal": N_("Personal keeping"),
    "legal": N_("Legal matter"),
    "other": N_("Other"),
}
DELIVERIES: dict[str, str] = {"pickup": N_("Pick up at the record office"), "mail": N_("Mail to me")}
CARRIERS: dict[str, str] = {
    "ems": N_("EMS (China Post)"),
    "sf": N_("SF Express"),
    "jd": N_("JD Logistics"),
    "zto": N_("ZTO Express"),
    "yto": N_("YTO Express"),
}
MIN_COPIES, MAX_COPIES = 1, 10
# The channels take no payment under ¥1 (payments.service.MIN_FEN): with a low page price the
# copying is charged at least this much, so every request can be paid.
MIN_COPYING_FEN = 100


@dataclass(frozen=True)
class Prices:
    per_page_fen: int
    postage_fen: int  # one mailing, anywhere in the mainland


def prices() -> Prices:
    """The hospital's current prices (settings: BEDSIDE_RECORD_COPY_PER_PAGE_FEN, ..._POSTAGE_FEN)."""
    settings = get_settings()
    return Prices(settings.record_copy_per_page_fen, settings.record_copy_postage_fen)


@dataclass(frozen=True)
class Fee:
    pages: int
    copying_fen: int
    postage_fen: int

    @property
    def total_fen(self) -> int:
        return self.copying_fen + self.postage_fen


def fee_for(parts: Sequence[str], copies: int, delivery: str, price: Prices | None = None) -> Fee:
    """The fee of a valid request (parts known, copies in range) at ``price`` (default: the
    current settings); raises ValueError otherwise. A request keeps the fee it was given."""
    if not parts or any(p not in PARTS for p in parts) or len(set(parts)) != len(parts):
        raise ValueError("parts")
    if isinstance(copies, bool) or not MIN_COPIES <= copies <= MAX_COPIES:
        raise ValueError("copies")
    if delivery not in DELIVERIES:
        raise ValueError("delivery")
    price = price or prices()
    pages = sum(PARTS[p][1] for p in parts) * copies
    return Fee(
        pages=pages,
        copying_fen=max(pages * price.per_page_fen, MIN_COPYING_FEN),
        postage_fen=price.postage_fen if delivery == "mail" else 0,
    )


# Mainland provinces, municipalities and autonomous regions, for the mailing address.
PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市",
    "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省",
    "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省",
    "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
)  # fmt: skip
STATE_LABELS: dict[str, str] = {
    "awaiting_payment": N_("Waiting for payment"),
    "received": N_("Received, identity check"),
    "copying": N_("Copying"),
    "ready_for_pickup": N_("Ready for pick-up"),
    "picked_up": N_("Picked up"),
    "mailed": N_("Mailed"),
    "rejected": N_("Rejected"),
    "cancelled": N_("Cancelled"),
}
ACTION_LABELS: dict[str, str] = {
    "submit": N_("Request submitted"),
    "pay": N_("Fee paid"),
    "approve": N_("Identity verified, copying"),
    "reject": N_("Rejected"),
    "cancel": N_("Cancelled"),
    "expire": N_("Cancelled: the fee was not paid in time"),
    "ready": N_("Copies ready for pick-up"),
    "pick_up": N_("Picked up"),
    "mail": N_("Mailed"),
}
LABELS = {
    "part": {k: v[0] for k, v in PARTS.items()},
    "purpose": PURPOSES,
    "delivery": DELIVERIES,
    "carrier": CARRIERS,
    "state": STATE_LABELS,
    "action": ACTION_LABELS,
}
