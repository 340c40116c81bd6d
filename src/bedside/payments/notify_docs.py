"""OpenAPI of the channels' notifications. The routes read the raw body (it is signed), so
FastAPI cannot describe it; these say what WeChat Pay and Alipay send, in the shapes the
verifiers check before using anything (payments.crypto)."""

from __future__ import annotations

import re
from typing import Any

from bedside.payments.crypto import alipay, wechat


def _pattern(regex: re.Pattern[str]) -> str:
    return f"^{regex.pattern}$"


def _header(name: str, schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": required, "schema": {"type": "string", **schema}}


_WECHAT_RESOURCE = {
    "type": "object",
    "required": ["algorithm", "ciphertext", "nonce"],
    "properties": {
        "algorithm": {"type": "string", "enum": ["AEAD_AES_256_GCM"]},
        "ciphertext": {"type": "string", "maxLength": 16384},
        "nonce": {"type": "string", "maxLength": 32},
        "associated_data": {"type": "string", "maxLength": 64},
        "original_type": {"type": "string", "maxLength": 32},
    },
}

WECHAT: dict[str, Any] = {
    "description": "WeChat Pay API v3 notification, verified by the platform's RSA signature over "
    "timestamp, nonce and body; answered 204, or a problem (the channel then retries).",
    "parameters": [
        _header("Wechatpay-Timestamp", {"pattern": _pattern(wechat.HEADER_SHAPES["timestamp"])}),
        _header("Wechatpay-Nonce", {"pattern": _pattern(wechat.HEADER_SHAPES["nonce"])}),
        _header("Wechatpay-Signature", {"pattern": _pattern(wechat.HEADER_SHAPES["signature"])}),
        _header("Wechatpay-Serial", {"minLength": 1, "maxLength": 64}),
        _header("Wechatpay-Signature-Type", {"enum": [wechat.SIGNATURE_TYPE]}, required=False),
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["id", "event_type", "resource"],
                    "properties": {
                        "id": {"type": "string", "maxLength": 64},
                        "create_time": {"type": "string", "maxLength": 32},
                        "event_type": {"type": "string", "maxLength": 64},
                        "resource_type": {"type": "string", "maxLength": 32},
                        "resource": _WECHAT_RESOURCE,
                        "summary": {"type": "string", "maxLength": 64},
                    },
                }
            }
        },
    },
}

_ALIPAY_TEXT = {"type": "string", "maxLength": 256}
_ALIPAY_YUAN = r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$"
_ALIPAY_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"

ALIPAY: dict[str, Any] = {
    "description": "Alipay trade_status_sync, verified by Alipay's RSA2 signature over the sorted "
    'fields; answered with the text "success", or a problem (Alipay then retries).',
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["notify_id", "app_id", "out_trade_no", "trade_status", "sign", "sign_type"],
                    "properties": {
                        "notify_time": {"type": "string", "pattern": _ALIPAY_TIME},
                        "notify_type": {"type": "string", "enum": [alipay.NOTIFY_TYPE]},
                        "notify_id": _ALIPAY_TEXT,
                        "app_id": _ALIPAY_TEXT,
                        "trade_no": _ALIPAY_TEXT,
                        "out_trade_no": _ALIPAY_TEXT,
                        "trade_status": {"type": "string", "enum": sorted(alipay.TRADE_STATUSES)},
                        "total_amount": {"type": "string", "pattern": _ALIPAY_YUAN},
                        "gmt_payment": {"type": "string", "pattern": _ALIPAY_TIME},
                        "sign_type": {"type": "string", "enum": [alipay.SIGN_TYPE]},
                        "sign": {"type": "string", "pattern": _pattern(alipay.SIGNATURE_SHAPE)},
                    },
                    "maxProperties": alipay.MAX_FIELDS,
                }
            }
        },
    },
}
