"""Loads every table and every event handler, so metadata and the handler registry are whole."""

from __future__ import annotations

from bedside.accounts import models as _accounts  # noqa: F401
from bedside.admissions import models as _admissions  # noqa: F401
from bedside.charges import models as _charges  # noqa: F401
from bedside.core import audit as _audit  # noqa: F401
from bedside.core import auth as _auth  # noqa: F401
from bedside.core import events as _events  # noqa: F401
from bedside.deposits import models as _deposits  # noqa: F401
from bedside.discharge import models as _discharge  # noqa: F401
from bedside.education import handlers as _education_handlers  # noqa: F401 - and its tables
from bedside.hospital import models as _hospital  # noqa: F401
from bedside.integrations import models as _integrations  # noqa: F401
from bedside.kiosks import models as _kiosks  # noqa: F401
from bedside.notifications import handlers as _notification_handlers  # noqa: F401
from bedside.notifications import models as _notifications  # noqa: F401
from bedside.patients import models as _patients  # noqa: F401
from bedside.payments import models as _payments  # noqa: F401
from bedside.payments.sandbox import models as _sandbox  # noqa: F401
from bedside.records import handlers as _records  # noqa: F401 - with its tables and messages
from bedside.reports import models as _reports  # noqa: F401
from bedside.reports import notify as _reports_notify  # noqa: F401 - exam appointment messages
from bedside.staff import models as _staff  # noqa: F401
from bedside.surveys import handlers as _survey_handlers  # noqa: F401 - and its tables
