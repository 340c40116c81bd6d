"""Runtime configuration from BEDSIDE_* environment variables."""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-bedside-demo-secret"  # noqa: S105 - refused outside demo mode
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class InsecureSettings(ValueError):
    """A default secret or similar demo-only value was used outside demo mode."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BEDSIDE_", env_file=".env", extra="ignore")

    database_url: str = Field(default=f"sqlite:///{PROJECT_ROOT / 'var' / 'bedside.sqlite3'}")
    secret_key: str = DEFAULT_SECRET
    demo: bool = False
    locale: str = "zh_CN"
    time_zone: str = "Asia/Shanghai"
    hospital_name: str = "Bedside 示范医院"
    base_url: str = "http://127.0.0.1:8000"
    cookie_secure: bool = False
    # The in-process outbox loop; production runs `bedside worker` instead.
    dispatch_in_process: bool = True
    log_json: bool = False
    log_level: str = "INFO"
    staff_session_hours: int = 10
    phone_session_days: int = 30
    kiosk_idle_seconds: int = 60
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    otp_ttl_seconds: int = 300
    otp_resend_seconds: int = 60
    otp_daily_limit: int = 10
    otp_max_attempts: int = 5
    # Where each kiosk's browser finds its local device agent (`bedside kiosk-agent`); empty: none.
    kiosk_agent_url: str = "http://127.0.0.1:8765"
    # Insured stays whose charges raise no review flag skip the insurance officer.
    insurance_auto_approve: bool = False
    # Where the bundled payment sandbox writes the channels' daily statement files.
    sandbox_bills_dir: Path = PROJECT_ROOT / "var" / "sandbox-bills"
    # Message channels besides the in-app inbox (always on): any of sms, wechat, log.
    notify_channels: str = "sms,wechat"
    notify_max_attempts: int = Field(default=5, ge=1, le=50)
    # Non-urgent messages are held during these local hours (hospital time zone); equal: none.
    quiet_hours_start: str = "21:30"
    quiet_hours_end: str = "07:30"
    # WeChat service account; without an app id WeChat messages go to the recording sandbox.
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_api_base: str = "https://api.weixin.qq.com"
    # Template key (or "default") -> {"template_id": ..., "fields": {"thing1": "title", ...}}.
    wechat_templates: dict[str, Any] = Field(default_factory=dict)
    # Medical record copies: prices in integer fen (the page estimates stay in records/fees.py),
    # and how long a request may wait for its fee before it is cancelled.
    record_copy_per_page_fen: int = Field(default=50, ge=0, le=100_000)
    record_copy_postage_fen: int = Field(default=2000, ge=0, le=1_000_000)
    record_copy_payment_hours: int = Field(default=48, ge=1, le=24 * 30)

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in ("zh_CN", "en"):
            raise ValueError("locale must be zh_CN or en")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("notify_channels")
    @classmethod
    def _known_channels(cls, value: str) -> str:
        names = [n.strip() for n in value.split(",") if n.strip()]
        unknown = set(names) - {"sms", "wechat", "log"}
        if unknown:
            raise ValueError(f"unknown notification channels {sorted(unknown)}")
        return ",".join(names)

    @field_validator("quiet_hours_start", "quiet_hours_end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"expected HH:MM, got {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _refuse_demo_secrets(self) -> Settings:
        if not self.demo and (self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32):
            raise InsecureSettings(
                "BEDSIDE_SECRET_KEY must be set to a random value of at least 32 characters "
                "outside demo mode (BEDSIDE_DEMO=1)."
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def notify_channel_set(self) -> frozenset[str]:
        return frozenset(n for n in self.notify_channels.split(",") if n)

    @property
    def quiet_hours(self) -> tuple[time, time]:
        return time.fromisoformat(self.quiet_hours_start), time.fromisoformat(self.quiet_hours_end)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
