"""Runtime configuration from BEDSIDE_* environment variables."""

from __future__ import annotations

import math
import string
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-bedside-demo-secret"  # noqa: S105 - refused outside demo mode
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class InsecureSettings(ValueError):
    """A default secret or similar demo-only value was used outside demo mode."""


KEY_RECIPE = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
MIN_SECRET_BITS = 128


def _alphabet(secret: str) -> int:
    if set(secret) <= set(string.hexdigits):
        return 16
    classes = (string.digits, string.ascii_lowercase, string.ascii_uppercase)
    size = sum(len(chars) for chars in classes if any(c in chars for c in secret))
    if any(c not in string.ascii_letters + string.digits for c in secret):
        size += len(string.punctuation)
    return size


def secret_weakness(secret: str) -> str | None:
    """Why the secret is guessable, or None. A rough, conservative estimate: the length of the
    shortest unit the value repeats ("abcabc", a word typed four times) times log2 of the
    alphabet its character classes span, and too few distinct characters refused outright."""
    if secret == DEFAULT_SECRET:
        return "it is the demo default"
    if len(secret) < 32:
        return "it is shorter than 32 characters"
    if len(set(secret)) < 10:
        return "it uses fewer than 10 distinct characters"
    size = len(secret)
    unit = next(n for n in range(1, size + 1) if (secret[:n] * (size // n + 1)).startswith(secret))
    bits = unit * math.log2(_alphabet(secret))
    if bits < MIN_SECRET_BITS:
        return f"it holds about {bits:.0f} bits of entropy, fewer than {MIN_SECRET_BITS}"
    return None


class Settings(BaseSettings):
    # hide_input_in_errors: a refused setting's error must not print the secret it was given.
    model_config = SettingsConfigDict(
        env_prefix="BEDSIDE_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    database_url: str = Field(default=f"sqlite:///{PROJECT_ROOT / 'var' / 'bedside.sqlite3'}")
    secret_key: str = DEFAULT_SECRET
    demo: bool = False
    locale: str = "zh_CN"
    time_zone: str = "Asia/Shanghai"
    hospital_name: str = "Bedside 示范医院"
    base_url: str = "http://127.0.0.1:8000"
    cookie_secure: bool = False
    # Outside demo mode /docs and /openapi.json need a staff sign-in unless this is on.
    public_api_docs: bool = False
    # What a Prometheus scraper sends as `Authorization: Bearer ...` for /metrics outside demo
    # mode; empty: only a signed-in admin may read the metrics.
    metrics_token: str = ""
    # The in-process outbox loop; production runs `bedside worker` instead.
    dispatch_in_process: bool = True
    log_json: bool = False
    # Set by the test suite: the simulators are served as in demo mode.
    testing: bool = False
    # The payment sandbox's pages and the bundled peers; on in demo and test mode only, and a
    # production start with them on is refused (they would let anyone mark an order paid).
    simulators: bool | None = None
    # Worker threads for request handlers; the database pool has one connection per thread.
    worker_threads: int = Field(default=40, ge=1, le=512)
    # Overload: requests beyond the threads wait in a bounded queue, then get 503 Retry-After.
    max_queued_requests: int = Field(default=64, ge=0, le=100_000)
    queue_wait_seconds: float = Field(default=5.0, gt=0, le=120)
    # SQLite waits this long for the write lock; PostgreSQL statements and lock waits end here.
    db_busy_timeout_ms: int = Field(default=5000, ge=100, le=60_000)
    db_statement_timeout_ms: int = Field(default=15_000, ge=100, le=600_000)
    log_level: str = "INFO"
    staff_session_hours: int = 10
    phone_session_days: int = 30
    kiosk_idle_seconds: int = 60
    # An account locks after this many failures within login_lockout_minutes from all addresses
    # together: more than one address may make (rate_limit_staff_login_per_account_address),
    # so that one stranger cannot lock a nurse out.
    login_max_failures: int = Field(default=25, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    otp_ttl_seconds: int = 300
    otp_resend_seconds: int = 60
    otp_daily_limit: int = 10
    otp_max_attempts: int = 5
    # Rate limits ("10/minute;100/hour": every part must hold; empty: none), counted in memory
    # per process, or in Redis (redis://host:6379/0) so that several workers share them.
    # Per-address limits are shared by everyone behind one NAT (a ward's Wi-Fi, a carrier's
    # CGNAT): loose enough for a ward's phones, tight enough to stop a script.
    rate_limit_storage: str = "memory://"
    rate_limit_otp_send_per_address: str = "10/minute;100/hour"
    rate_limit_otp_send_total: str = "60/minute;600/hour;3000/day"
    rate_limit_otp_guess_per_address: str = "30/10 minutes;200/day"
    rate_limit_staff_login_per_account_address: str = "5/15 minutes"
    rate_limit_staff_login_per_address: str = "30/15 minutes"
    rate_limit_kiosk_login_per_kiosk: str = "10/5 minutes"
    rate_limit_kiosk_login_per_address: str = "50/5 minutes"
    # Failed second factors (texted code, ID digits) per patient, across every kiosk.
    rate_limit_kiosk_second_factor_per_patient: str = "5/15 minutes;20/day"
    rate_limit_his_key_per_address: str = "20/10 minutes"
    # Public document verification (number + check code): stops a script walking the numbers.
    rate_limit_verify_per_address: str = "30/10 minutes;200/day"
    # Where each kiosk's browser finds its local device agent (`bedside kiosk-agent`); empty: none.
    kiosk_agent_url: str = "http://127.0.0.1:8765"
    # Insured stays whose charges raise no review flag skip the insurance officer.
    insurance_auto_approve: bool = False
    # An unpaid companion-care bill is shown at discharge; with this on it also blocks the
    # ward clearance (and so the hospital settlement) until it is paid.
    care_bill_blocks_settlement: bool = False
    # Discharge settlement a patient does alone: more owed than this, or a diagnosis of one of
    # these special diseases (门特病种, comma-separated), goes to the staffed window instead.
    self_service_max_due_fen: int = Field(default=5_000_000, ge=0)
    discharge_special_diseases: str = "恶性肿瘤,尿毒症,器官移植,血友病,再生障碍性贫血,重性精神病"
    # The national medical insurance platform (see docs/go-live.md): empty base URL = not
    # connected, insured stays are then settled at the staffed window. Codes come from the
    # hospital's registration with the regional insurance bureau, never from the code.
    insurance_base_url: str = ""
    insurance_path: str = "/fsi/api/rsfComIfsService/callService"
    insurance_fixmedins_code: str = ""  # 定点医药机构编号, 12 characters
    insurance_fixmedins_name: str = ""
    insurance_mdtrtarea_admvs: str = ""  # 就医地医保区划, 6 digits
    insurance_insuplc_admdvs: str = ""  # default 参保地医保区划 for the hospital's own insured
    insurance_recer_sys_code: str = "BEDSIDE"
    insurance_dev_no: str = ""
    insurance_opter: str = "bedside"
    insurance_opter_name: str = "Bedside"
    insurance_paas_id: str = ""  # x-tif-paasid, issued with the gateway key
    insurance_paas_secret: str = ""  # x-tif-signature key
    insurance_sign_key: str = ""  # the envelope's cainfo key
    insurance_infver: str = "V1.0"
    insurance_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    insurance_connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    insurance_batch_size: int = Field(default=100, ge=1, le=1000)
    # Where the bundled payment sandbox writes the channels' daily statement files.
    sandbox_bills_dir: Path = PROJECT_ROOT / "var" / "sandbox-bills"
    # WeChat Pay API v3 (docs/go-live.md); configured once a merchant id is set. Unset: the
    # in-process sandbox in demo/test mode, the channel unavailable elsewhere.
    wechatpay_base_url: str = "https://api.mch.weixin.qq.com"
    wechatpay_mchid: str = ""
    wechatpay_appid: str = ""
    wechatpay_merchant_key_file: str = ""  # apiclient_key.pem
    wechatpay_merchant_serial: str = ""  # the merchant API certificate's serial number
    wechatpay_apiv3_key: str = ""
    # Alipay open platform; configured once an app id is set.
    alipay_gateway_url: str = "https://openapi.alipay.com/gateway.do"
    alipay_app_id: str = ""
    alipay_seller_id: str = ""  # the PID (2088...)
    alipay_app_private_key_file: str = ""
    alipay_public_key_file: str = ""  # Alipay's public key, from the open platform console
    payments_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    payments_connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    # Message channels besides the in-app inbox (always on): any of sms, wechat, log.
    notify_channels: str = "sms,wechat"
    notify_max_attempts: int = Field(default=5, ge=1, le=50)
    # Non-urgent messages are held during these local hours (hospital time zone); equal: none.
    quiet_hours_start: str = "21:30"
    quiet_hours_end: str = "07:30"
    # WeChat service account; without an app id WeChat messages go to the recording sandbox.
    # The OAuth host serves the web authorization page (snsapi_base), the API host the rest.
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_api_url: str = "https://api.weixin.qq.com"
    wechat_oauth_url: str = "https://open.weixin.qq.com"
    wechat_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # Template key (or "default") -> {"template_id": ..., "fields": {"thing1": "title", ...}}.
    wechat_templates: dict[str, Any] = Field(default_factory=dict)
    # SMS provider: log (written to the log only), aliyun (Alibaba Cloud Dysmsapi) or tencent
    # (Tencent Cloud SMS); see docs/go-live.md. An empty endpoint or region is the vendor's.
    sms_provider: Literal["log", "aliyun", "tencent"] = "log"
    sms_endpoint: str = ""
    sms_region: str = ""
    sms_access_key_id: str = ""  # Tencent: SecretId
    sms_access_key_secret: str = ""  # Tencent: SecretKey
    sms_sdk_app_id: str = ""  # Tencent only
    sms_sign_name: str = ""
    # Message kind ("login_code", a notification template key or "default") -> the registered
    # template code, or {"template": ..., "sign_name": ..., "params": {variable: source}}.
    sms_templates: dict[str, Any] = Field(default_factory=dict)
    sms_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    sms_connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    # The last path segment of the delivery receipt URL given to the vendor; empty: refused.
    sms_receipt_token: str = ""
    # Where the HIS is the system of record (docs/go-live.md, "HIS"): any of patients (a notice
    # for an unknown patient creates them; the patient feed), stays (the HIS's inpatient number
    # and discharge orders), orders (ward clearance reads the HIS's orders and charges status).
    his_record: str = ""
    # Bedside's write-back to the HIS: signed JSON events; no URL, none are queued.
    his_webhook_url: str = ""
    his_webhook_secret: str = ""
    his_webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # The fiscal e-invoice platform (财政电子票据, docs/go-live.md "Fiscal e-invoice"): an empty
    # URL issues no e-invoice. Region (行政区划), agency (单位) and place-of-issue (开票点) codes
    # and the bill type codes come from the province's platform registration.
    einvoice_url: str = ""
    einvoice_app_id: str = ""
    einvoice_app_key: str = ""
    einvoice_version: str = "1.0"
    einvoice_region_code: str = ""
    einvoice_agency_code: str = ""
    einvoice_place_code: str = ""
    # Business -> the platform's bill type code: "inpatient" (settlement), "deposit" (receipt).
    einvoice_bill_types: dict[str, str] = Field(default_factory=dict)
    # The businesses that get a bill: "settlement", and "deposit" if the hospital issues
    # deposit receipts through the platform.
    einvoice_issue_for: str = "settlement"
    einvoice_operator: str = "自助服务"
    # Put before every business serial (业务流水号), which must never repeat for a platform
    # account: a second installation on the same account (a test system) sets its own.
    einvoice_serial_prefix: str = Field(default="", max_length=10, pattern=r"^[0-9A-Za-z]*$")
    einvoice_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    einvoice_connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    # Medical record copies: prices in integer fen (the page estimates stay in records/fees.py),
    # and how long a request may wait for its fee before it is cancelled.
    record_copy_per_page_fen: int = Field(default=50, ge=0, le=100_000)
    record_copy_postage_fen: int = Field(default=2000, ge=0, le=1_000_000)
    record_copy_payment_hours: int = Field(default=48, ge=1, le=24 * 30)
    # Green channel: the first deposit is due this long after admission (treat first, pay
    # later), with a reminder every `green_reminder_hours` until it is paid.
    green_deposit_hours: int = Field(default=72, ge=1, le=24 * 30)
    green_reminder_hours: int = Field(default=12, ge=1, le=24 * 7)
    # Kiosk fleet alert rules (TOML); unset: the shipped bedside/fleet/alert_rules.toml.
    fleet_rules_path: Path | None = None
    # How often the timers loop runs the fleet's alert evaluator.
    fleet_evaluate_seconds: float = Field(default=10.0, gt=0, le=600)
    # Kiosk software rollout: the release engineer's Ed25519 public key (PEM). A bundle is
    # published only when its signature checks against it; unset: nothing can be published.
    kiosk_release_public_key_file: Path | None = None
    # How often kiosk agents poll for a deployment (the hawkBit DDI "sleep").
    kiosk_update_poll_seconds: int = Field(default=300, ge=10, le=86400)
    # The hawkBit tenant in the device API's path.
    kiosk_update_tenant: str = Field(default="default", pattern=r"^[A-Za-z0-9_-]{1,40}$")
    # The hospital's document signing certificate (PEM): every discharge PDF is signed with it.
    # The chain holds the CA certificates above it, the trust anchors of the verification page.
    # Unset in demo and test mode: a demo CA under var/signing/. Unset elsewhere: documents are
    # not issued (bedside.documents.certificates).
    signing_key_file: Path | None = None
    signing_cert_file: Path | None = None
    signing_chain_file: Path | None = None
    signing_key_password: str = ""

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

    @field_validator("his_record")
    @classmethod
    def _known_his_record(cls, value: str) -> str:
        names = [n.strip() for n in value.split(",") if n.strip()]
        unknown = set(names) - {"patients", "stays", "orders"}
        if unknown:
            raise ValueError(f"unknown BEDSIDE_HIS_RECORD parts {sorted(unknown)}")
        return ",".join(names)

    @model_validator(mode="after")
    def _his_webhook_signed(self) -> Settings:
        if self.his_webhook_url and len(self.his_webhook_secret) < 16:
            raise ValueError("BEDSIDE_HIS_WEBHOOK_URL needs BEDSIDE_HIS_WEBHOOK_SECRET (16+ characters)")
        return self

    @field_validator("quiet_hours_start", "quiet_hours_end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"expected HH:MM, got {value!r}") from exc
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _known_storage(cls, value: str) -> str:
        from bedside.core.ratelimit import STORAGE_SCHEMES

        if value.split("://", 1)[0] not in STORAGE_SCHEMES:
            # Not echoed: a Redis URL may hold its password.
            raise ValueError("rate limit storage must be memory:// or a redis:// URL")
        return value

    @field_validator(
        "rate_limit_otp_send_per_address",
        "rate_limit_otp_send_total",
        "rate_limit_otp_guess_per_address",
        "rate_limit_staff_login_per_account_address",
        "rate_limit_staff_login_per_address",
        "rate_limit_kiosk_login_per_kiosk",
        "rate_limit_kiosk_login_per_address",
        "rate_limit_kiosk_second_factor_per_patient",
        "rate_limit_his_key_per_address",
        "rate_limit_verify_per_address",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from bedside.core.ratelimit import parse

        parse(value)
        return value

    @model_validator(mode="after")
    def _lockout_needs_many_addresses(self) -> Settings:
        from bedside.core.ratelimit import parse

        window = self.login_lockout_minutes * 60
        items = parse(self.rate_limit_staff_login_per_account_address)
        one_address = min((i.amount * math.ceil(window / i.get_expiry()) for i in items), default=None)
        if one_address is not None and self.login_max_failures <= one_address:
            raise ValueError(
                f"login_max_failures ({self.login_max_failures}) must exceed the {one_address} "
                f"failures one address may make in {self.login_lockout_minutes} minutes, or a "
                "single stranger could lock any account"
            )
        return self

    @model_validator(mode="after")
    def _refuse_demo_secrets(self) -> Settings:
        weakness = None if self.demo else secret_weakness(self.secret_key)
        if weakness:
            raise InsecureSettings(
                f"BEDSIDE_SECRET_KEY must be a random value outside demo mode (BEDSIDE_DEMO=1), "
                f"at least 32 characters and {MIN_SECRET_BITS} bits; {weakness}. "
                f"Generate one with: {KEY_RECIPE}"
            )
        return self

    @model_validator(mode="after")
    def _signing_key_with_certificate(self) -> Settings:
        if (self.signing_key_file is None) != (self.signing_cert_file is None):
            raise ValueError("BEDSIDE_SIGNING_KEY_FILE and BEDSIDE_SIGNING_CERT_FILE are set together")
        return self

    @field_validator("sms_templates")
    @classmethod
    def _sms_templates(cls, value: dict[str, Any]) -> dict[str, Any]:
        from bedside.sms.templates import check_config

        check_config(value)
        return value

    @model_validator(mode="after")
    def _sms_vendor_complete(self) -> Settings:
        if self.sms_provider == "log":
            return self
        missing = [
            f"BEDSIDE_{name.upper()}"
            for name in ("sms_access_key_id", "sms_access_key_secret", "sms_sign_name")
            if not getattr(self, name)
        ]
        if self.sms_provider == "tencent" and not self.sms_sdk_app_id:
            missing.append("BEDSIDE_SMS_SDK_APP_ID")
        if "login_code" not in self.sms_templates:
            missing.append('BEDSIDE_SMS_TEMPLATES["login_code"]')
        if missing:
            raise ValueError(f"BEDSIDE_SMS_PROVIDER={self.sms_provider} needs {', '.join(missing)}")
        return self

    @model_validator(mode="after")
    def _einvoice_complete(self) -> Settings:
        if not self.einvoice_url:
            return self
        missing = [
            f"BEDSIDE_{name.upper()}"
            for name in (
                "einvoice_app_id",
                "einvoice_app_key",
                "einvoice_region_code",
                "einvoice_agency_code",
                "einvoice_place_code",
            )
            if not getattr(self, name)
        ]
        wanted = {"settlement": "inpatient", "deposit": "deposit"}
        unknown = set(self.einvoice_issue_set) - set(wanted)
        if unknown:
            raise ValueError(f"BEDSIDE_EINVOICE_ISSUE_FOR: unknown {', '.join(sorted(unknown))}")
        missing += [
            f'BEDSIDE_EINVOICE_BILL_TYPES["{wanted[b]}"]'
            for b in self.einvoice_issue_set
            if not self.einvoice_bill_types.get(wanted[b])
        ]
        if missing:
            raise ValueError(f"BEDSIDE_EINVOICE_URL is set but needs {', '.join(missing)}")
        if not (len(self.einvoice_region_code) == 6 and self.einvoice_region_code.isdigit()):
            raise ValueError("BEDSIDE_EINVOICE_REGION_CODE is the 6-digit administrative division code")
        return self

    @property
    def einvoice_issue_set(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.einvoice_issue_for.split(",") if p.strip())

    @model_validator(mode="after")
    def _refuse_exposed_simulators(self) -> Settings:
        if self.simulators and not (self.demo or self.testing):
            raise InsecureSettings(
                "BEDSIDE_SIMULATORS=1 serves the payment sandbox, which lets anyone mark an order "
                "paid; it is allowed only in demo mode (BEDSIDE_DEMO=1)."
            )
        return self

    @property
    def simulators_on(self) -> bool:
        return self.simulators if self.simulators is not None else (self.demo or self.testing)

    @property
    def engine_options(self) -> dict[str, Any]:
        return {
            "busy_timeout_ms": self.db_busy_timeout_ms,
            "pool_size": self.worker_threads,
            "statement_timeout_ms": self.db_statement_timeout_ms,
        }

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
    def his_record_set(self) -> frozenset[str]:
        return frozenset(n for n in self.his_record.split(",") if n)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
