"""`platform` dataclasses ↔ the platform's `input`/`output` JSON, both ways: the real client
encodes requests and decodes answers, the bundled peer does the opposite with the same code,
so the two cannot drift apart. Field names after integrators' code (FORMATS.md).

Two fields go beyond the platform's: 2301 carries Bedside's catalogue class as `chrgitm_lv`
and receipt group as `med_chrgitm_type`, because the bundled peer has no national catalogue
to look them up in (a real platform ignores them and answers its own chrgitm_lv)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from bedside.insurance import wire
from bedside.insurance.mechanics import InsuranceClass
from bedside.insurance.platform import (
    CHRGITM_LV,
    AdmissionRegistered,
    AdmissionRegistration,
    DischargeRegistered,
    DischargeRegistration,
    FeeDetail,
    FeeDetailAccepted,
    FeeDetailCancel,
    FeeDetailsCancelled,
    FeeDetailUpload,
    FeeDetailUploaded,
    PreSettlementRequest,
    SettlementRequest,
    SettlementResult,
    SettlementReversal,
    SettlementReversed,
)

CLASS_OF_LV = {v: cast(InsuranceClass, k) for k, v in CHRGITM_LV.items()}
SETTLEMENT_AMOUNTS = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "hifp_pay",
    "hifmi_pay",
    "hifob_pay",
    "maf_pay",
    "fund_pay_sumamt",
    "psn_part_amt",
    "acct_pay",
    "psn_cash_pay",
    "balc",
)
REVERSAL_AMOUNTS = ("medfee_sumamt", "hifp_pay", "fund_pay_sumamt", "acct_pay", "psn_cash_pay", "balc")


def _flag(value: bool) -> str:
    return "1" if value else "0"


# -- 2401 / 2402 --


def admission_input(r: AdmissionRegistration) -> dict[str, Any]:
    return {
        "mdtrtinfo": {
            "psn_no": r.psn_no,
            "insutype": r.insutype,
            "ipt_no": r.ipt_no,
            "begntime": wire.platform_time(r.begntime),
            "mdtrt_cert_type": r.mdtrt_cert_type,
            "mdtrt_cert_no": r.mdtrt_cert_no,
            "med_type": r.med_type,
            "adm_dept_codg": r.adm_dept_codg,
            "adm_dept_name": r.adm_dept_name,
            "adm_diag_dscr": r.adm_diag_dscr,
        },
        "diseinfo": [],
    }


def admission_from_input(i: Mapping[str, Any]) -> AdmissionRegistration:
    m = i["mdtrtinfo"]
    return AdmissionRegistration(
        psn_no=m["psn_no"],
        insutype=m["insutype"],
        ipt_no=m["ipt_no"],
        begntime=wire.parse_time(m["begntime"]),
        mdtrt_cert_type=m.get("mdtrt_cert_type", "03"),
        mdtrt_cert_no=m.get("mdtrt_cert_no", ""),
        med_type=m.get("med_type", "21"),
        adm_dept_codg=m.get("adm_dept_codg", ""),
        adm_dept_name=m.get("adm_dept_name", ""),
        adm_diag_dscr=m.get("adm_diag_dscr", ""),
    )


def admission_output(r: AdmissionRegistered) -> dict[str, Any]:
    return {"result": {"mdtrt_id": r.mdtrt_id, "psn_no": r.psn_no, "ipt_otp_no": r.ipt_no}}


def admission_from_output(o: Mapping[str, Any]) -> AdmissionRegistered:
    r = o["result"]
    return AdmissionRegistered(r["mdtrt_id"], r["psn_no"], r["ipt_otp_no"])


def discharge_input(r: DischargeRegistration, insutype: str) -> dict[str, Any]:
    return {
        "dscginfo": {
            "mdtrt_id": r.mdtrt_id,
            "psn_no": r.psn_no,
            "insutype": insutype,
            "endtime": wire.platform_time(r.endtime),
            "dscg_way": r.dscg_way,
            "dscg_dept_codg": r.dscg_dept_codg,
            "dscg_dept_name": r.dscg_dept_name,
        },
        "diseinfo": [],
    }


def discharge_from_input(i: Mapping[str, Any]) -> DischargeRegistration:
    d = i["dscginfo"]
    return DischargeRegistration(
        mdtrt_id=d["mdtrt_id"],
        psn_no=d["psn_no"],
        endtime=wire.parse_time(d["endtime"]),
        dscg_way=d.get("dscg_way", "1"),
        dscg_dept_codg=d.get("dscg_dept_codg", ""),
        dscg_dept_name=d.get("dscg_dept_name", ""),
    )


def discharge_from_output(r: DischargeRegistration) -> DischargeRegistered:
    # 2402 answers no output: infcode 0 is the confirmation.
    return DischargeRegistered(r.mdtrt_id, r.endtime)


# -- 2301 / 2302 --


def fee_input(r: FeeDetailUpload) -> dict[str, Any]:
    return {
        "feedetail": [
            {
                "feedetl_sn": d.feedetl_sn,
                "init_feedetl_sn": d.init_feedetl_sn or "",
                "mdtrt_id": r.mdtrt_id,
                "drord_no": d.drord_no,
                "psn_no": r.psn_no,
                "med_type": "21",
                "fee_ocur_time": wire.platform_time(d.fee_ocur_time),
                "med_list_codg": d.med_list_codg,
                "medins_list_codg": d.medins_list_codg,
                "medins_list_name": d.item_name,
                "det_item_fee_sumamt": wire.yuan(d.det_item_fee_sumamt),
                "cnt": wire.number(d.cnt),
                "pric": wire.yuan(d.pric),
                "bilg_dept_codg": d.bilg_dept_codg,
                "bilg_dept_name": d.bilg_dept_name,
                "bilg_dr_codg": d.bilg_dr_codg,
                "bilg_dr_name": d.bilg_dr_name,
                "hosp_appr_flag": _flag(d.hosp_appr_flag),
                "dscg_tkdrug_flag": _flag(d.dscg_tkdrug_flag),
                "chrgitm_lv": CHRGITM_LV[d.insurance_class],
                "med_chrgitm_type": d.category,
                "memo": d.memo,
            }
            for d in r.details
        ]
    }


def fee_from_input(i: Mapping[str, Any]) -> FeeDetailUpload:
    rows = i["feedetail"]
    if not isinstance(rows, list) or not rows:
        raise ValueError("feedetail must be a non-empty list")
    details = tuple(
        FeeDetail(
            feedetl_sn=d["feedetl_sn"],
            init_feedetl_sn=d.get("init_feedetl_sn") or None,
            med_list_codg=d["med_list_codg"],
            medins_list_codg=d.get("medins_list_codg", ""),
            item_name=d.get("medins_list_name", ""),
            category=d.get("med_chrgitm_type", ""),
            insurance_class=CLASS_OF_LV[d["chrgitm_lv"]],
            det_item_fee_sumamt=wire.fen(d["det_item_fee_sumamt"]),
            cnt=Decimal(d["cnt"]),
            pric=wire.fen(d["pric"]),
            fee_ocur_time=wire.parse_time(d["fee_ocur_time"]),
            drord_no=d.get("drord_no", ""),
            bilg_dept_codg=d.get("bilg_dept_codg", ""),
            bilg_dept_name=d.get("bilg_dept_name", ""),
            bilg_dr_codg=d.get("bilg_dr_codg", ""),
            bilg_dr_name=d.get("bilg_dr_name", ""),
            hosp_appr_flag=d.get("hosp_appr_flag", "1") == "1",
            dscg_tkdrug_flag=d.get("dscg_tkdrug_flag", "0") == "1",
            memo=d.get("memo", ""),
        )
        for d in rows
    )
    first = rows[0]
    return FeeDetailUpload(first["mdtrt_id"], first["psn_no"], details)


def fee_output(r: FeeDetailUploaded) -> dict[str, Any]:
    return {
        "result": [
            {
                "feedetl_sn": a.feedetl_sn,
                "det_item_fee_sumamt": wire.yuan(a.det_item_fee_sumamt),
                "chrgitm_lv": a.chrgitm_lv,
                "memo": "重复上传" if a.duplicate else "",
            }
            for a in r.results
        ]
    }


def fee_from_output(mdtrt_id: str, o: Mapping[str, Any]) -> FeeDetailUploaded:
    return FeeDetailUploaded(
        mdtrt_id,
        tuple(
            FeeDetailAccepted(
                feedetl_sn=a["feedetl_sn"],
                det_item_fee_sumamt=wire.fen(a["det_item_fee_sumamt"]),
                chrgitm_lv=a.get("chrgitm_lv", ""),
                duplicate=bool(a.get("memo")),
            )
            for a in o.get("result") or []
        ),
    )


def cancel_input(mdtrt_id: str, psn_no: str, feedetl_sn: str) -> dict[str, Any]:
    """One 2302 per serial number; "0000" cancels every detail of the visit."""
    return {"data": {"feedetl_sn": feedetl_sn, "mdtrt_id": mdtrt_id, "psn_no": psn_no}}


def cancel_from_input(i: Mapping[str, Any]) -> FeeDetailCancel:
    d = i["data"]
    sn = d["feedetl_sn"]
    return FeeDetailCancel(d["mdtrt_id"], d["psn_no"], None if sn == "0000" else (sn,))


def cancel_output(r: FeeDetailsCancelled) -> dict[str, Any]:
    return {"result": [{"feedetl_sn": sn} for sn in r.cancelled]}


# -- 2303 / 2304 / 2305 --


def settle_input(r: PreSettlementRequest, insutype: str, medins_setl_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "psn_no": r.psn_no,
        "mdtrt_id": r.mdtrt_id,
        "mdtrt_cert_type": r.mdtrt_cert_type,
        "mdtrt_cert_no": r.mdtrt_cert_no,
        "medfee_sumamt": wire.yuan(r.medfee_sumamt),
        "psn_setlway": "01",  # settle by item
        "insutype": insutype,
        "acct_used_flag": _flag(r.acct_used_flag),
        "mid_setl_flag": "0",
    }
    if isinstance(r, SettlementRequest):
        data["medins_setl_id"] = r.request_id
    elif medins_setl_id:
        # A 2303 within a settlement attempt names it, so that a retry after Bedside lost a
        # settlement the platform made is answered with that settlement's figures.
        data["medins_setl_id"] = medins_setl_id
    return {"data": data}


def settle_from_input(i: Mapping[str, Any], *, final: bool) -> PreSettlementRequest:
    d = i["data"]
    common: dict[str, Any] = {
        "psn_no": d["psn_no"],
        "mdtrt_id": d["mdtrt_id"],
        "medfee_sumamt": wire.fen(d["medfee_sumamt"]),
        "acct_used_flag": d.get("acct_used_flag", "1") == "1",
        "mdtrt_cert_type": d.get("mdtrt_cert_type", "03"),
        "mdtrt_cert_no": d.get("mdtrt_cert_no", ""),
    }
    if final:
        return SettlementRequest(request_id=d.get("medins_setl_id", ""), **common)
    return PreSettlementRequest(**common)


def settlement_output(r: SettlementResult) -> dict[str, Any]:
    info: dict[str, Any] = {name: wire.yuan(getattr(r, name)) for name in SETTLEMENT_AMOUNTS}
    info.update(setl_id=r.setl_id or "", mdtrt_id=r.mdtrt_id, psn_no=r.psn_no)
    info["setl_time"] = wire.platform_time(r.setl_time) if r.setl_time else ""
    detail = [
        {"fund_pay_type": "310100", "fund_payamt": wire.yuan(r.hifp_pay), "fund_pay_type_name": "统筹基金"}
    ]
    return {"setlinfo": info, "setldetail": detail}


def settlement_from_output(o: Mapping[str, Any]) -> SettlementResult:
    info = o["setlinfo"]
    amounts: dict[str, Any] = {name: wire.fen(info.get(name)) for name in SETTLEMENT_AMOUNTS}
    result = SettlementResult(
        setl_id=info.get("setl_id") or None,
        mdtrt_id=info["mdtrt_id"],
        psn_no=info["psn_no"],
        setl_time=wire.parse_time(info["setl_time"]) if info.get("setl_time") else None,
        **amounts,
    )
    result.check()
    return result


def reversal_input(r: SettlementReversal) -> dict[str, Any]:
    return {
        "data": {
            "psn_no": r.psn_no,
            "mdtrt_id": r.mdtrt_id,
            "setl_id": r.setl_id,
            "medins_setl_id": r.request_id,
        }
    }


def reversal_from_input(i: Mapping[str, Any]) -> SettlementReversal:
    d = i["data"]
    return SettlementReversal(
        psn_no=d["psn_no"],
        mdtrt_id=d["mdtrt_id"],
        setl_id=d["setl_id"],
        request_id=d.get("medins_setl_id", ""),
    )


def reversal_output(r: SettlementReversed) -> dict[str, Any]:
    info: dict[str, Any] = {name: wire.yuan(getattr(r, name)) for name in REVERSAL_AMOUNTS}
    info.update(
        setl_id=r.setl_id,
        init_setl_id=r.init_setl_id,
        mdtrt_id=r.mdtrt_id,
        psn_no=r.psn_no,
        setl_time=wire.platform_time(r.setl_time),
    )
    return {"setlinfo": info}


def reversal_from_output(o: Mapping[str, Any]) -> SettlementReversed:
    info = o["setlinfo"]
    return SettlementReversed(
        setl_id=info["setl_id"],
        init_setl_id=info["init_setl_id"],
        mdtrt_id=info["mdtrt_id"],
        psn_no=info["psn_no"],
        setl_time=wire.parse_time(info["setl_time"]),
        **{name: wire.fen(info.get(name)) for name in REVERSAL_AMOUNTS},
    )
