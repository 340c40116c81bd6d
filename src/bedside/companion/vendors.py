"""Care vendors: registering one (its key is shown once), checking a vendor's key on the care
API, and the vendor a care_vendor staff account works for."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.companion.models import CareVendor, CareVendorStaff
from bedside.core import audit, ratelimit
from bedside.core.audit import Actor
from bedside.core.auth import token_digest
from bedside.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from bedside.core.i18n import N_
from bedside.settings import get_settings

KEY_PREFIX = "cv_"


class BadVendorKey(DomainError):
    status = 401
    code = "care_vendor_key_invalid"
    message = N_("The care vendor key is missing or not valid.")


def register(session: Session, actor: Actor, name: str, merchant_no: str) -> tuple[CareVendor, str]:
    """Returns the vendor and its API key; only the key's digest is kept."""
    if actor.kind != "system" and not actor.has_role("admin"):
        raise Forbidden()
    name, merchant_no = name.strip(), merchant_no.strip()
    if not name or len(name) > 50:
        raise InvalidInput(N_("Give the vendor a name."), code="invalid_name", field="name")
    if not merchant_no.isalnum() or len(merchant_no) > 32:
        raise InvalidInput(
            N_("Give the vendor's merchant number."), code="invalid_merchant", field="merchant_no"
        )
    if session.scalar(select(CareVendor.id).where(CareVendor.name == name)) is not None:
        raise Conflict(N_("A vendor with this name already exists."), code="vendor_exists", field="name")
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    vendor = CareVendor(name=name, merchant_no=merchant_no, key_prefix=prefix, key_hash=token_digest(key))
    session.add(vendor)
    session.flush()
    audit.record(session, actor, "care.vendor_register", "care_vendor", vendor.id)
    session.commit()
    return vendor, key


def link_staff(session: Session, actor: Actor, user_id: int, vendor_id: int) -> None:
    if actor.kind != "system" and not actor.has_role("admin"):
        raise Forbidden()
    session.add(CareVendorStaff(user_id=user_id, vendor_id=vendor_id))
    audit.record(session, actor, "care.vendor_staff", "care_vendor", vendor_id, user_id=user_id)
    session.commit()


def authenticate(session: Session, key: str) -> CareVendor:
    prefix = key.removeprefix(KEY_PREFIX).split("_", 1)[0] if key.startswith(KEY_PREFIX) else ""
    vendor = session.scalar(select(CareVendor).where(CareVendor.key_prefix == prefix)) if prefix else None
    if vendor is None or not vendor.active or not secrets.compare_digest(vendor.key_hash, token_digest(key)):
        rule = ratelimit.Rule(
            "care_key_address",
            get_settings().rate_limit_his_key_per_address,
            N_("Too many invalid integration keys from this address. Retry in %(seconds)s seconds."),
            "integration_key_rate_limited",
        )
        ratelimit.limiter().hit(rule, ratelimit.client_address())
        raise BadVendorKey()
    return vendor


def actor_for(vendor: CareVendor) -> Actor:
    return Actor(kind="care_vendor", id=vendor.id, label=vendor.name[:100], roles=frozenset({"care_vendor"}))


class NotLinked(Conflict):
    code = "no_care_vendor"
    message = N_("This account works for no care vendor. Ask the hospital's administrator.")


def find_for_staff(session: Session, user_id: int) -> CareVendor | None:
    return session.scalar(
        select(CareVendor)
        .join(CareVendorStaff, CareVendorStaff.vendor_id == CareVendor.id)
        .where(CareVendorStaff.user_id == user_id, CareVendor.active.is_(True))
    )


def for_staff(session: Session, user_id: int) -> CareVendor:
    vendor = find_for_staff(session, user_id)
    if vendor is None:
        raise NotLinked()
    return vendor
