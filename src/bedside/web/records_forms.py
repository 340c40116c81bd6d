"""The record copy request form, read the same way on the phone and at a kiosk."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Form

from bedside.records import service as records_service


@dataclass(frozen=True)
class CopyForm:
    notice_id: int
    purpose: str = ""
    parts: list[str] = field(default_factory=list)
    copies: str = "1"
    delivery: str = ""
    recipient_name: str = ""
    recipient_phone: str = ""
    province: str = ""
    city: str = ""
    address: str = ""
    consent: bool = False  # a proxy's declaration; the kiosk's form has no such field
    proxy_name: str = ""
    request_key: str = ""

    def values(self) -> dict[str, Any]:
        """What the form redisplays after an error (the request key is handled apart)."""
        values = asdict(self)
        values.pop("request_key")
        return values

    def copy_in(self) -> records_service.CopyIn:
        return records_service.CopyIn(
            notice_id=self.notice_id,
            purpose=self.purpose,
            parts=tuple(self.parts),
            copies=records_service.parse_copies(self.copies),
            delivery=self.delivery,
            request_key=self.request_key,
            recipient_name=self.recipient_name,
            recipient_phone=self.recipient_phone,
            province=self.province,
            city=self.city,
            address=self.address,
            consent=self.consent,
            proxy_name=self.proxy_name,
        )


def _copy_form(
    notice_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    purpose: Annotated[str, Form(max_length=30)] = "",
    parts: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies form defaults
    copies: Annotated[str, Form(max_length=5)] = "1",
    delivery: Annotated[str, Form(max_length=10)] = "",
    recipient_name: Annotated[str, Form(max_length=100)] = "",
    recipient_phone: Annotated[str, Form(max_length=30)] = "",
    province: Annotated[str, Form(max_length=30)] = "",
    city: Annotated[str, Form(max_length=60)] = "",
    address: Annotated[str, Form(max_length=400)] = "",
    consent: Annotated[str, Form(max_length=5)] = "",
    proxy_name: Annotated[str, Form(max_length=100)] = "",
    request_key: Annotated[str, Form(max_length=100)] = "",
) -> CopyForm:
    return CopyForm(
        notice_id=notice_id,
        purpose=purpose,
        parts=list(parts),
        copies=copies,
        delivery=delivery,
        recipient_name=recipient_name,
        recipient_phone=recipient_phone,
        province=province,
        city=city,
        address=address,
        consent=consent == "1",
        proxy_name=proxy_name,
        request_key=request_key,
    )


CopyFormData = Annotated[CopyForm, Depends(_copy_form)]
