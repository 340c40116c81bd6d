"""The envelope sign: MD5 over appid, data, noise, then the app key, then version; any change
to a signed value or the key changes it; the business data round-trips through Base64."""

from __future__ import annotations

import hashlib

import pytest

from bedside.einvoice import signing
from bedside.einvoice.client import classify, parse_time, wire_time, yuan
from bedside.einvoice.port import EInvoiceError, Failure

PARAMS = {"appid": "BSAPP01", "data": "eyJhIjoxfQ==", "noise": "n0ise", "version": "1.0"}


def test_string_to_sign_puts_the_key_between_noise_and_version() -> None:
    text = signing.string_to_sign({**PARAMS, "sign": "ignored", "extra": "ignored"}, "K3Y")
    assert text == "appid=BSAPP01&data=eyJhIjoxfQ==&noise=n0ise&key=K3Y&version=1.0"


def test_sign_is_upper_hex_md5_of_that_string() -> None:
    expected = hashlib.md5(  # noqa: S324 - the platform's algorithm
        b"appid=BSAPP01&data=eyJhIjoxfQ==&noise=n0ise&key=K3Y&version=1.0"
    ).hexdigest()
    assert signing.sign(PARAMS, "K3Y") == expected.upper()
    assert len(signing.sign(PARAMS, "K3Y")) == 32


@pytest.mark.parametrize("name", ["appid", "data", "noise", "version"])
def test_every_signed_value_counts(name: str) -> None:
    assert signing.sign({**PARAMS, name: PARAMS[name] + "x"}, "K3Y") != signing.sign(PARAMS, "K3Y")


def test_the_key_counts() -> None:
    assert signing.sign(PARAMS, "K3Y") != signing.sign(PARAMS, "K3Z")


def test_business_data_round_trips_in_utf8() -> None:
    business = {"payer": "张三", "totalAmt": "3123.45", "chargeDetail": [{"chargeName": "床位费"}]}
    encoded = signing.encode_data(business)
    assert encoded.isascii()
    assert signing.decode_data(encoded) == business
    with pytest.raises(ValueError):
        signing.decode_data("not base64 at all!")


@pytest.mark.parametrize(("fen", "text"), [(0, "0.00"), (5, "0.05"), (312345, "3123.45"), (-100, "-1.00")])
def test_amounts_travel_as_yuan_with_two_decimals(fen: int, text: str) -> None:
    assert yuan(fen) == text


def test_times_are_beijing_time_to_the_millisecond() -> None:
    from datetime import UTC, datetime

    at = datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=UTC)
    assert wire_time(at) == "20261207090203456"
    assert parse_time("20261207090203456") == at.replace(microsecond=0)
    with pytest.raises(EInvoiceError):
        parse_time("yesterday")


def test_result_codes_map_to_what_the_caller_does() -> None:
    assert classify("E1001") is Failure.ACCOUNT
    assert classify("E2002") is Failure.STOCK
    assert classify("E3001") is Failure.NOT_FOUND
    assert classify("E9999") is Failure.UNAVAILABLE
    assert classify("E7777") is Failure.UNAVAILABLE  # unknown: retried, never dropped
