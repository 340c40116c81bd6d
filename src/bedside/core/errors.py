"""Domain errors with a stable code and a translatable message, mapped to problem responses."""

from __future__ import annotations

from typing import Any

from bedside.core.i18n import N_, gettext


class DomainError(Exception):
    status = 400
    code = "bad_request"
    message = N_("The request could not be processed.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        params: dict[str, Any] | None = None,
        field: str | None = None,
    ) -> None:
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        self.params = params or {}
        self.field = field
        super().__init__(self.code)

    def localized(self, locale: str) -> str:
        return gettext(locale, self.message, **self.params)

    def headers(self) -> dict[str, str]:
        """HTTP headers that belong with this error's answer."""
        return {}

    def problem(self, locale: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"urn:bedside:error:{self.code}",
            "title": self.code,
            "status": self.status,
            "code": self.code,
            "message": self.localized(locale),
            "message_zh": self.localized("zh_CN"),
            "message_en": self.localized("en"),
        }
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
    message = N_("Some of the information entered is not valid.")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    message = N_("Please log in first.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message = N_("You do not have permission to do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = N_("The requested record was not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = N_("This conflicts with the current state of the record.")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    message = N_("Too many attempts. Please wait and try again.")

    def __init__(self, message: str | None = None, *, retry_after: int | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}

    def problem(self, locale: str) -> dict[str, Any]:
        body = super().problem(locale)
        if self.retry_after:
            body["retry_after"] = self.retry_after
        return body


class ServiceBusy(DomainError):
    status = 503
    code = "service_busy"
    message = N_("The service is very busy right now. Please try again in a moment.")
