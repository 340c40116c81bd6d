"""Runtime configuration from BEDSIDE_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
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
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
