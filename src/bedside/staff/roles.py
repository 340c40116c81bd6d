"""Staff roles (one code name each, as in the glossary)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    DOCTOR = "doctor"
    NURSE = "nurse"
    ADMISSION_CENTER = "admission_center"
    PHARMACIST = "pharmacist"
    CASHIER = "cashier"
    INSURANCE_OFFICER = "insurance_officer"
    OPS_ENGINEER = "ops_engineer"
    CARE_VENDOR = "care_vendor"
    MANAGER = "manager"
    RECORDS_OFFICE = "records_office"


# Roles whose work needs patients' personal data on screen (each read is audited).
PATIENT_DATA_ROLES = frozenset(
    {
        Role.ADMIN,
        Role.DOCTOR,
        Role.NURSE,
        Role.ADMISSION_CENTER,
        Role.PHARMACIST,
        Role.CASHIER,
        Role.INSURANCE_OFFICER,
    }
)
