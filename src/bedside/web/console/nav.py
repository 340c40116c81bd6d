"""Console navigation: each entry lists the roles that see it."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.i18n import N_
from bedside.staff.roles import PATIENT_DATA_ROLES, Role

ALL = frozenset(Role)


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    roles: frozenset[str]


NAV: tuple[NavItem, ...] = (
    NavItem("/console/", N_("Overview"), ALL),
    NavItem(
        "/console/notices",
        N_("Admission notices"),
        frozenset({Role.DOCTOR, Role.ADMISSION_CENTER, Role.ADMIN, Role.NURSE}),
    ),
    NavItem("/console/patients", N_("Patients"), PATIENT_DATA_ROLES),
    NavItem(
        "/console/wards",
        N_("Wards and beds"),
        frozenset({Role.ADMISSION_CENTER, Role.NURSE, Role.ADMIN, Role.MANAGER, Role.DOCTOR}),
    ),
    NavItem(
        "/console/beds",
        N_("Bed board"),
        frozenset({Role.ADMISSION_CENTER, Role.NURSE, Role.MANAGER, Role.ADMIN}),
    ),
    NavItem(
        "/console/ward-admissions", N_("Expected admissions"), frozenset({Role.NURSE, Role.ADMISSION_CENTER})
    ),
    NavItem("/console/desk", N_("Admission desk"), frozenset({Role.ADMISSION_CENTER, Role.NURSE})),
    NavItem(
        "/console/stays",
        N_("Inpatients"),
        frozenset({Role.DOCTOR, Role.NURSE, Role.INSURANCE_OFFICER, Role.CASHIER, Role.ADMISSION_CENTER}),
    ),
    NavItem(
        "/console/medication",
        N_("Discharge medication"),
        frozenset({Role.DOCTOR, Role.NURSE, Role.PHARMACIST}),
    ),
    NavItem("/console/medication/pharmacy", N_("Pharmacy"), frozenset({Role.PHARMACIST})),
    NavItem(
        "/console/medication/figures", N_("Ward services: figures"), frozenset({Role.MANAGER, Role.ADMIN})
    ),
    NavItem("/console/care-vendor", N_("Companion care"), frozenset({Role.CARE_VENDOR})),
    NavItem("/console/care/qr-cards", N_("Care QR cards"), frozenset({Role.NURSE, Role.ADMIN})),
    NavItem(
        "/console/insurance-review",
        N_("Insurance review"),
        frozenset({Role.INSURANCE_OFFICER, Role.NURSE, Role.DOCTOR}),
    ),
    NavItem("/console/education", N_("Patient education"), frozenset({Role.ADMIN, Role.NURSE, Role.DOCTOR})),
    NavItem("/console/followup", N_("Follow-up"), frozenset({Role.NURSE, Role.DOCTOR})),
    NavItem("/console/flags", N_("Follow-up flags"), frozenset({Role.NURSE})),
    NavItem("/console/surveys", N_("Satisfaction survey"), frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem("/console/followup/plans", N_("Follow-up plans"), frozenset({Role.ADMIN, Role.MANAGER})),
    NavItem("/console/window-cases", N_("Window cases"), frozenset({Role.ADMISSION_CENTER})),
    NavItem("/console/discharge-window", N_("Discharge window"), frozenset({Role.CASHIER})),
    NavItem("/console/deposits", N_("Deposit accounts"), frozenset({Role.CASHIER})),
    NavItem("/console/refunds", N_("Refunds"), frozenset({Role.CASHIER})),
    NavItem("/console/reconciliation", N_("Finance desk"), frozenset({Role.CASHIER})),
    NavItem("/console/records", N_("Record copies"), frozenset({Role.RECORDS_OFFICE, Role.ADMIN})),
    NavItem("/console/kiosks", N_("Kiosks"), frozenset({Role.ADMIN, Role.OPS_ENGINEER})),
    NavItem("/console/fleet", N_("Kiosk fleet"), frozenset({Role.OPS_ENGINEER})),
    NavItem("/console/fleet/alerts", N_("Fleet alerts"), frozenset({Role.OPS_ENGINEER})),
    NavItem("/console/fleet/tickets", N_("Repair tickets"), frozenset({Role.OPS_ENGINEER})),
    NavItem("/console/fleet/on-call", N_("On call"), frozenset({Role.OPS_ENGINEER})),
    NavItem("/console/fleet/releases", N_("Kiosk software"), frozenset({Role.OPS_ENGINEER})),
    NavItem("/console/staff", N_("Staff"), frozenset({Role.ADMIN})),
    NavItem(
        "/console/notifications/sent",
        N_("Messages sent"),
        frozenset({Role.ADMIN, Role.ADMISSION_CENTER, Role.NURSE}),
    ),
    NavItem("/console/notifications/templates", N_("Message templates"), frozenset({Role.ADMIN})),
    NavItem("/console/audit", N_("Audit log"), frozenset({Role.ADMIN})),
)


def for_roles(roles: frozenset[str]) -> list[NavItem]:
    return [item for item in NAV if roles & item.roles]
