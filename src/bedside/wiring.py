"""Loads every table and every event handler, so metadata and the handler registry are whole."""

from __future__ import annotations

from bedside.accounts import models as _accounts  # noqa: F401
from bedside.accounts import wechat_models as _wechat_accounts  # noqa: F401
from bedside.admissions import green_notify as _green_notify  # noqa: F401 - deposit reminders
from bedside.admissions import models as _admissions  # noqa: F401
from bedside.charges import models as _charges  # noqa: F401
from bedside.companion import notify as _companion_notify  # noqa: F401 - and its tables
from bedside.core import audit as _audit  # noqa: F401
from bedside.core import auth as _auth  # noqa: F401
from bedside.core import events as _events  # noqa: F401
from bedside.deposits import models as _deposits  # noqa: F401
from bedside.discharge import handlers as _discharge_handlers  # noqa: F401 - settle once paid
from bedside.discharge import models as _discharge  # noqa: F401
from bedside.education import handlers as _education_handlers  # noqa: F401 - and its tables
from bedside.einvoice import handlers as _einvoice_handlers  # noqa: F401
from bedside.einvoice import models as _einvoice  # noqa: F401
from bedside.fleet import handlers as _fleet_handlers  # noqa: F401 - and its tables
from bedside.hospital import models as _hospital  # noqa: F401
from bedside.insurance import handlers as _insurance_handlers  # noqa: F401 - and its tables
from bedside.insurance import review_models as _insurance_review  # noqa: F401
from bedside.integrations import models as _integrations  # noqa: F401
from bedside.integrations import writeback as _his_writeback  # noqa: F401 - HIS write-back handlers
from bedside.kiosks import models as _kiosks  # noqa: F401
from bedside.medication import notify as _medication_notify  # noqa: F401 - and its tables
from bedside.notifications import handlers as _notification_handlers  # noqa: F401
from bedside.notifications import models as _notifications  # noqa: F401
from bedside.patients import models as _patients  # noqa: F401
from bedside.payments import models as _payments  # noqa: F401
from bedside.payments import registry as _payments_registry
from bedside.payments.sandbox import models as _sandbox  # noqa: F401
from bedside.reconciliation import models as _reconciliation  # noqa: F401
from bedside.records import handlers as _records  # noqa: F401 - with its tables and messages
from bedside.reports import models as _reports  # noqa: F401
from bedside.reports import notify as _reports_notify  # noqa: F401 - exam appointment messages
from bedside.staff import models as _staff  # noqa: F401
from bedside.surveys import handlers as _survey_handlers  # noqa: F401 - and its tables


def install_payment_channels() -> None:
    """The composition root's choice of payment adapters: each channel a hospital configured
    over its real HTTP protocol; in demo and test mode the in-process sandbox for the others.
    UnionPay cards and the insurance account have no real protocol yet: demo and test only."""
    from bedside.payments.install import install_http_channels
    from bedside.payments.sandbox.wiring import install_sandbox_adapters
    from bedside.settings import get_settings

    settings = get_settings()
    # Outside demo and test mode nothing is simulated: a channel without a real connection is
    # unavailable (the bank card and the insurance account have none yet), never a sandbox.
    if settings.simulators_on:
        install_sandbox_adapters({"wechat", "alipay", "unionpay", "insurance_account"})
    install_http_channels(settings)  # a configured channel replaces its sandbox


def _http_channels() -> set[str]:
    from bedside.settings import get_settings

    settings = get_settings()
    return {
        name for name, on in (("wechat", settings.wechatpay_mchid), ("alipay", settings.alipay_app_id)) if on
    }


def _sandbox_jobs() -> None:
    from bedside.payments import worker
    from bedside.payments.sandbox.wiring import sandbox_jobs

    # Notifications of channels served over HTTP are POSTed by their peers, not in process.
    worker.set_sandbox_jobs(sandbox_jobs(_http_channels))


_payments_registry.set_installer(install_payment_channels)
_sandbox_jobs()
