"""The platform envelope: msgid, signatures, yuan on the wire, and the codec both ways."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bedside.insurance import codec, wire
from bedside.insurance.platform import FeeDetail, FeeDetailUpload, PlatformError, SettlementResult

INST = wire.Institution(
    fixmedins_code="H11010500001",
    fixmedins_name="测试医院",
    mdtrtarea_admvs="110105",
    insuplc_admdvs="110105",
    recer_sys_code="BEDSIDE",
    dev_no="",
    opter="bedside",
    opter_name="Bedside",
)
NOW = datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC)


def test_msgid_is_institution_time_and_sequence_and_unique():
    ids = {wire.new_msgid(INST.fixmedins_code, NOW) for _ in range(500)}
    assert len(ids) == 500
    one = next(iter(ids))
    # 12-char institution code + Beijing time yyyyMMddHHmmss + 4 digits.
    assert len(one) == 30 and one.startswith("H1101050000120261207090203")


def test_envelope_carries_the_documented_fields_and_a_body_signature():
    env = wire.envelope(
        INST,
        "2303",
        {"data": {"medfee_sumamt": wire.yuan(12345)}},
        msgid="m",
        now=NOW,
        sign_no="S1",
        sign_key="k",
    )
    for name in (
        "infno",
        "msgid",
        "mdtrtarea_admvs",
        "insuplc_admdvs",
        "recer_sys_code",
        "dev_no",
        "opter",
        "sign_no",
        "inf_time",
        "fixmedins_code",
        "fixmedins_name",
        "input",
        "signtype",
        "cainfo",
    ):
        assert name in env
    assert env["inf_time"] == "2026-12-07 09:02:03"
    sent = wire.loads(wire.dumps(env))
    assert sent["input"]["data"]["medfee_sumamt"] == Decimal("123.45")  # a JSON number, not a float
    assert wire.body_signature("k", sent) == sent["cainfo"]
    sent["input"]["data"]["medfee_sumamt"] = Decimal("1.45")
    assert wire.body_signature("k", sent) != sent["cainfo"]
    assert wire.body_signature("other", wire.loads(wire.dumps(env))) != env["cainfo"]


def test_gateway_signature_is_sha256_of_timestamp_secret_nonce_timestamp():
    expected = hashlib.sha256(b"1700000000secretnonce1700000000").hexdigest()
    assert wire.gateway_signature("secret", "1700000000", "nonce") == expected
    assert wire.headers("p", "secret", "1700000000", "nonce")["x-tif-signature"] == expected


def test_yuan_amounts_are_exact_and_refuse_floats():
    assert wire.dumps({"a": wire.yuan(29), "b": wire.yuan(-5000)}) == '{"a":0.29,"b":-50.00}'
    assert wire.fen(wire.loads('{"a":0.29}')["a"]) == 29
    assert wire.fen(None) == 0
    with pytest.raises(TypeError):
        wire.fen(0.29)
    with pytest.raises(ValueError):
        wire.fen(Decimal("0.295"))


def test_codec_round_trips_fee_details_and_settlements():
    detail = FeeDetail(
        feedetl_sn="17",
        med_list_codg="X1",
        medins_list_codg="X1",
        item_name="床位",
        category="bed",
        insurance_class="B",
        det_item_fee_sumamt=20000,
        cnt=Decimal("2"),
        pric=10000,
        fee_ocur_time=NOW,
    )
    upload = FeeDetailUpload("MDT1", "P1", (detail,))
    assert codec.fee_from_input(wire.loads(wire.dumps(codec.fee_input(upload)))) == upload
    result = SettlementResult(
        setl_id="SET1",
        mdtrt_id="MDT1",
        psn_no="P1",
        medfee_sumamt=1000,
        fulamt_ownpay_amt=0,
        overlmt_selfpay=0,
        preselfpay_amt=0,
        inscp_scp_amt=1000,
        act_pay_dedc=100,
        hifp_pay=700,
        hifmi_pay=0,
        hifob_pay=0,
        maf_pay=0,
        fund_pay_sumamt=700,
        psn_part_amt=300,
        acct_pay=300,
        psn_cash_pay=0,
        balc=0,
        setl_time=NOW.replace(microsecond=0),
    )
    assert codec.settlement_from_output(wire.loads(wire.dumps(codec.settlement_output(result)))) == result
    broken = codec.settlement_output(result)
    broken["setlinfo"]["acct_pay"] = wire.yuan(1)
    with pytest.raises(ValueError):  # an answer that does not add up is never booked
        codec.settlement_from_output(wire.loads(wire.dumps(broken)))


def test_platform_errors_have_known_codes():
    assert PlatformError("refused", "x").code == "refused"
    with pytest.raises(ValueError):
        PlatformError("nonsense")
