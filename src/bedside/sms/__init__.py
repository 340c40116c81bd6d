"""The SMS boundary: the port (port.py), the Alibaba Cloud and Tencent Cloud clients, their
signatures, the registered templates per message kind, and the delivery receipt endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bedside.settings import Settings
    from bedside.sms.vendor import VendorSms


def vendor_from_settings(settings: Settings) -> VendorSms:
    """The configured vendor's client (BEDSIDE_SMS_PROVIDER aliyun or tencent)."""
    from bedside.sms.aliyun import AliyunSms
    from bedside.sms.tencent import TencentSms
    from bedside.sms.vendor import SmsConfig

    config = SmsConfig(
        access_key_id=settings.sms_access_key_id,
        access_key_secret=settings.sms_access_key_secret,
        sign_name=settings.sms_sign_name,
        templates=settings.sms_templates,
        endpoint=settings.sms_endpoint,
        region=settings.sms_region,
        app_id=settings.sms_sdk_app_id,
        hospital=settings.hospital_name,
        timeout_seconds=settings.sms_timeout_seconds,
        connect_timeout_seconds=settings.sms_connect_timeout_seconds,
    )
    if settings.sms_provider == "aliyun":
        return AliyunSms(config)
    if settings.sms_provider == "tencent":
        return TencentSms(config)
    raise ValueError(f"no SMS vendor client for provider {settings.sms_provider!r}")
