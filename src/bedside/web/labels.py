"""Display labels of stored codes (states, kinds, roles), as message ids."""

from __future__ import annotations

from bedside.core.i18n import N_

LABELS: dict[str, dict[str, str]] = {
    "notice_state": {"issued": N_("Issued"), "cancelled": N_("Cancelled")},
    "admission_kind": {"elective": N_("Elective"), "emergency": N_("Emergency")},
    "priority": {"routine": N_("Routine"), "urgent": N_("Urgent")},
    "relation": {
        "self": N_("Myself"),
        "spouse": N_("Spouse"),
        "parent": N_("Parent"),
        "child": N_("Child"),
        "other": N_("Other family"),
    },
    "bed_state": {
        "free": N_("Free"),
        "reserved": N_("Reserved"),
        "occupied": N_("Occupied"),
        "cleaning": N_("Cleaning"),
        "closed": N_("Closed"),
        "isolation": N_("Isolation"),
    },
    "entry_kind": {
        "deposit": N_("First deposit"),
        "topup": N_("Top-up"),
        "charge": N_("Charge"),
        "settlement": N_("Settlement"),
        "refund": N_("Refund"),
        "supplementary_payment": N_("Supplementary payment"),
        "reversal": N_("Reversal"),
    },
    "refund_route": {
        "original": N_("Original route"),
        "staffed_window": N_("Staffed window"),
        "bank_transfer": N_("Bank transfer"),
    },
    "refund_rule": {
        "original_route": N_("Back by the original route"),
        "cash_payment": N_("Paid in cash: refund at the window"),
        "refund_window_expired": N_("Past the channel's refund window"),
        "paid_after_close": N_("Paid after the order was closed"),
    },
    "gender": {"M": N_("Male"), "F": N_("Female")},
    "credential": {
        "resident_id": N_("Resident ID card"),
        "insurance_card": N_("Insurance card"),
        "health_card": N_("Health card"),
        "visit_card": N_("Visit card"),
        "inpatient_no": N_("Inpatient number"),
    },
    "role": {
        "admin": N_("Administrator"),
        "doctor": N_("Doctor"),
        "nurse": N_("Ward nurse"),
        "admission_center": N_("Admission prep center"),
        "pharmacist": N_("Pharmacist"),
        "cashier": N_("Cashier"),
        "insurance_officer": N_("Insurance officer"),
        "ops_engineer": N_("O&M engineer"),
        "care_vendor": N_("Care vendor"),
        "manager": N_("Hospital management"),
    },
    "module": {
        "card_reader": N_("Card reader"),
        "id_reader": N_("ID card reader"),
        "camera": N_("Camera"),
        "receipt_printer": N_("Receipt printer"),
        "laser_printer": N_("Laser printer"),
        "stamper": N_("Stamper"),
        "scanner": N_("Barcode scanner"),
        "pin_pad": N_("PIN pad"),
        "wristband_printer": N_("Wristband printer"),
        "cash_acceptor": N_("Cash acceptor"),
        "face_payment": N_("Face payment"),
    },
}
