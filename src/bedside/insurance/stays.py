"""An insured stay on the platform: registered once (2401 → mdtrt_id), its charge lines kept
in step with the fee details on file there (2301 uploads, 2302 cancels), discharged (2402).
Each step can be repeated: the handlers do it as events arrive, settlement does it again at
the latest, and whatever a rolled-back transaction forgot is re-sent with the same serials."""

from __future__ import annotations

import functools
from datetime import datetime, time
from decimal import Decimal
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.charges.models import ChargeLine
from bedside.core.db import utcnow
from bedside.insurance import wire
from bedside.insurance.client import ClientConfig, HsaPlatform
from bedside.insurance.mechanics import InsuranceClass
from bedside.insurance.models import InsuranceFeeDetail, InsuranceVisit
from bedside.insurance.platform import (
    CHRGITM_LV,
    AdmissionRegistration,
    DischargeRegistration,
    FeeDetail,
    FeeDetailCancel,
    FeeDetailUpload,
)
from bedside.settings import Settings, get_settings

# Bedside's insurance types → the platform's 险种 (insutype).
INSUTYPE = {"employee": "310", "resident": "390", "out_of_region": "310"}


def insured(notice: AdmissionNotice) -> bool:
    return bool(notice.insurance_no) and notice.insurance_type in INSUTYPE


def client(settings: Settings | None = None) -> HsaPlatform | None:
    """The configured platform client, or None when BEDSIDE_INSURANCE_BASE_URL is empty."""
    s = settings or get_settings()
    if not s.insurance_base_url:
        return None
    return _client(
        ClientConfig(
            base_url=s.insurance_base_url,
            path=s.insurance_path,
            institution=wire.Institution(
                fixmedins_code=s.insurance_fixmedins_code,
                fixmedins_name=s.insurance_fixmedins_name,
                mdtrtarea_admvs=s.insurance_mdtrtarea_admvs,
                insuplc_admdvs=s.insurance_insuplc_admdvs,
                recer_sys_code=s.insurance_recer_sys_code,
                dev_no=s.insurance_dev_no,
                opter=s.insurance_opter,
                opter_name=s.insurance_opter_name,
                infver=s.insurance_infver,
            ),
            paas_id=s.insurance_paas_id,
            paas_secret=s.insurance_paas_secret,
            sign_key=s.insurance_sign_key,
            timeout_seconds=s.insurance_timeout_seconds,
            connect_timeout_seconds=s.insurance_connect_timeout_seconds,
        )
    )


@functools.lru_cache(maxsize=4)
def _client(config: ClientConfig) -> HsaPlatform:
    return HsaPlatform(config)


def visit(session: Session, notice_id: int) -> InsuranceVisit | None:
    return session.scalar(select(InsuranceVisit).where(InsuranceVisit.notice_id == notice_id))


def register(session: Session, notice: AdmissionNotice, platform: HsaPlatform) -> InsuranceVisit:
    """2401 once per stay; a retried 2401 (same psn_no and ipt_no) returns the same mdtrt_id."""
    found = visit(session, notice.id)
    if found is not None:
        return found
    insutype = INSUTYPE[notice.insurance_type or ""]
    answer = platform.register_admission(
        AdmissionRegistration(
            psn_no=notice.insurance_no or "",
            insutype=insutype,
            ipt_no=notice.inpatient_no or f"BS{notice.id:010d}",
            begntime=notice.admitted_at or utcnow(),
            mdtrt_cert_no=notice.insurance_no or "",
        )
    )
    row = InsuranceVisit(
        notice_id=notice.id, psn_no=answer.psn_no, insutype=insutype, mdtrt_id=answer.mdtrt_id
    )
    session.add(row)
    session.flush()
    return row


def _wanted(lines: list[ChargeLine]) -> dict[int, ChargeLine]:
    """The lines that should be on file: a line reversed in full and its reversal cancel out
    (2302 takes the original off); a partial reversal goes up as a negative detail."""
    by_id = {c.id: c for c in lines}
    gone: set[int] = set()
    for c in lines:
        original = by_id.get(c.reverses_id) if c.reverses_id is not None else None
        if original is not None and original.amount_fen + c.amount_fen == 0:
            gone.update((c.id, original.id))
    return {i: c for i, c in by_id.items() if i not in gone and c.amount_fen != 0}


def _detail(c: ChargeLine) -> FeeDetail:
    day = datetime.combine(c.service_date, time(12, 0), tzinfo=wire.PLATFORM_TZ)
    return FeeDetail(
        feedetl_sn=str(c.id),
        init_feedetl_sn=str(c.reverses_id) if c.reverses_id is not None else None,
        med_list_codg=c.code,
        medins_list_codg=c.code,
        item_name=c.name,
        category=c.category,
        insurance_class=_cls(c.insurance_class),
        det_item_fee_sumamt=c.amount_fen,
        cnt=Decimal(c.quantity_milli) / 1000,
        pric=abs(c.unit_price_fen),
        fee_ocur_time=day,
    )


def _cls(value: str) -> InsuranceClass:
    if value not in CHRGITM_LV:
        raise ValueError(f"insurance class {value!r}")
    return cast(InsuranceClass, value)


def sync_fee_details(session: Session, notice: AdmissionNotice, platform: HsaPlatform) -> int:
    """Brings the platform's fee details in line with the stay's charge lines; returns the
    total on file in fen (the medfee_sumamt a pre-settlement or settlement must carry)."""
    v = register(session, notice, platform)
    lines = list(session.scalars(select(ChargeLine).where(ChargeLine.notice_id == notice.id)))
    wanted = _wanted(lines)
    rows = {
        r.charge_line_id: r
        for r in session.scalars(select(InsuranceFeeDetail).where(InsuranceFeeDetail.notice_id == notice.id))
    }
    stale = [r for r in rows.values() if r.on_file and r.charge_line_id not in wanted]
    # Reversal lines first: the platform keeps an original while a reversal of it remains.
    for r in sorted(stale, key=lambda r: (r.init_feedetl_sn is None, r.id)):
        platform.cancel_fee_details(FeeDetailCancel(v.mdtrt_id, v.psn_no, (r.feedetl_sn,)))
        r.on_file = False
    missing = [c for i, c in sorted(wanted.items()) if i not in rows or not rows[i].on_file]
    size = get_settings().insurance_batch_size
    for start in range(0, len(missing), size):
        batch = missing[start : start + size]
        answer = platform.upload_fee_details(
            FeeDetailUpload(v.mdtrt_id, v.psn_no, tuple(_detail(c) for c in batch))
        )
        levels = {a.feedetl_sn: a.chrgitm_lv for a in answer.results}
        for c in batch:
            row = rows.get(c.id)
            if row is None:
                row = InsuranceFeeDetail(
                    notice_id=notice.id,
                    charge_line_id=c.id,
                    feedetl_sn=str(c.id),
                    init_feedetl_sn=str(c.reverses_id) if c.reverses_id is not None else None,
                    amount_fen=c.amount_fen,
                    chrgitm_lv=levels.get(str(c.id), CHRGITM_LV[c.insurance_class]),
                )
                session.add(row)
                rows[c.id] = row
            row.on_file, row.uploaded_at = True, utcnow()
        session.flush()
    return sum(c.amount_fen for c in wanted.values())


def forget_details(session: Session, notice_id: int) -> None:
    """After a 2305 the platform has dropped the visit's details; the next sync re-uploads."""
    for r in session.scalars(select(InsuranceFeeDetail).where(InsuranceFeeDetail.notice_id == notice_id)):
        r.on_file = False


def register_discharge(
    session: Session, notice: AdmissionNotice, platform: HsaPlatform, when: datetime
) -> None:
    v = visit(session, notice.id)
    if v is None or v.discharge_registered_at is not None:
        return
    platform.register_discharge(
        DischargeRegistration(mdtrt_id=v.mdtrt_id, psn_no=v.psn_no, endtime=when), insutype=v.insutype
    )
    v.discharge_registered_at = when
