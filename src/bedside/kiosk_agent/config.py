"""The kiosk agent's settings, from BEDSIDE_AGENT_* environment variables (or .env)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bedside import __version__

Backend = Literal["simulator", "real"]
# The agent serves the hardware to the kiosk's own browser and nothing else.
LISTEN_HOST = "127.0.0.1"
ZPL_PORT = 9100


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class AgentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BEDSIDE_AGENT_", env_file=".env", extra="ignore")

    # The Bedside server: telemetry goes there, and documents to print are fetched from there.
    server_url: str = "http://127.0.0.1:8000"
    # The kiosk's device key (the one the admin saw once), sent as X-Kiosk-Key.
    kiosk_key: SecretStr | None = None
    kiosk_code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,32}$")
    port: int = Field(default=8765, ge=1, le=65535)
    output_dir: Path | None = None
    # The kiosk page's origin, the only one allowed to call the agent; the server's by default.
    allowed_origin: str | None = None
    telemetry_interval_seconds: float = Field(default=30, ge=1, le=3600)
    fetch_timeout_seconds: float = Field(default=15, gt=0, le=120)
    software_version: str = Field(default=f"bedside-kiosk-agent {__version__}", max_length=40)
    simulator_pin: str = Field(default="123456", pattern=r"^\d{4,12}$")
    # Software updates (hawkBit DDI, bedside.kiosk_agent.updater): where versions are unpacked
    # and `current` points, and the release public key bundles must be signed with. Unset: the
    # agent does not update itself.
    update_dir: Path | None = None
    update_public_key_file: Path | None = None
    update_tenant: str = Field(default="default", pattern=r"^[A-Za-z0-9_-]{1,40}$")
    # The remote "take a screenshot": a command that prints the screen as PNG on stdout (e.g.
    # "grim -" on Wayland, "import -window root png:-" on X11). Unset: a picture of the agent's
    # own status, as the simulator has no screen.
    screenshot_command: str | None = Field(default=None, max_length=200)
    # A kiosk whose devices were quiet this long is idle and may apply an update.
    update_idle_seconds: float = Field(default=120, ge=0, le=3600)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = False

    receipt_printer_backend: Backend = "simulator"
    receipt_printer_device: Path = Path("/dev/usb/lp0")
    laser_printer_backend: Backend = "simulator"
    # CUPS queue names have no spaces, slashes or '#'.
    laser_printer_queue: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,127}$")
    wristband_printer_backend: Backend = "simulator"
    wristband_printer_address: str | None = None  # host or host:port

    @field_validator("server_url", "allowed_origin")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("an http(s) URL with a host is expected")
        return value.rstrip("/")

    @field_validator("allowed_origin")
    @classmethod
    def _bare_origin(cls, value: str | None) -> str | None:
        if value is not None and origin_of(value) != value:
            raise ValueError("an origin is scheme://host[:port], without a path")
        return value

    @model_validator(mode="after")
    def _real_backends_configured(self) -> AgentSettings:
        if self.laser_printer_backend == "real" and not self.laser_printer_queue:
            raise ValueError("BEDSIDE_AGENT_LASER_PRINTER_QUEUE is needed for the real laser printer")
        if self.wristband_printer_backend == "real":
            if not self.wristband_printer_address:
                raise ValueError("BEDSIDE_AGENT_WRISTBAND_PRINTER_ADDRESS is needed for the real printer")
            self.wristband_printer_endpoint()  # fails early on a malformed address
        return self

    @property
    def origin(self) -> str:
        return self.allowed_origin or origin_of(self.server_url)

    @property
    def output_path(self) -> Path:
        return self.output_dir or Path("var") / "kiosk-agent" / (self.kiosk_code or "default")

    @property
    def own_origins(self) -> tuple[str, ...]:
        """The control page's own origins (it is served by the agent)."""
        return (f"http://{LISTEN_HOST}:{self.port}", f"http://localhost:{self.port}")

    def wristband_printer_endpoint(self) -> tuple[str, int]:
        address = self.wristband_printer_address or ""
        parts = urlsplit(f"//{address}")
        try:
            port = parts.port or ZPL_PORT
        except ValueError as exc:
            raise ValueError(f"bad wristband printer address {address!r}") from exc
        if not parts.hostname:
            raise ValueError(f"bad wristband printer address {address!r}")
        return parts.hostname, port
