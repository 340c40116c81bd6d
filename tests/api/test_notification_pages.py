"""Notification pages through the real app: the admin's template editor (roles, CSRF,
validation errors that save nothing, preview, reset, audit), the staff's "Messages sent"
list (roles, masking, audit), and the phone's own message settings."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bedside.accounts import wechat
from bedside.accounts.models import Account
from bedside.accounts.wechat_models import WechatBinding
from bedside.core.audit import AuditEvent
from bedside.notifications import service as notifications
from bedside.notifications.models import NotificationDelivery, NotificationPreference, NotificationTemplate
from tests import factories
from tests.api.test_no_server_errors import PARAM, VALUES, _field_names, _routes, everyone  # noqa: F401
from tests.conftest import DATABASE
from tests.helpers import phone_login, staff_login

EDIT = "/console/notifications/templates/deposit_low"


def _audits(action: str) -> list[AuditEvent]:
    with DATABASE.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _override() -> NotificationTemplate | None:
    with DATABASE.session() as s:
        return s.scalar(select(NotificationTemplate).where(NotificationTemplate.key == "deposit_low"))


def test_template_pages_are_for_admins_only(client, session):
    factories.staff(session, "nurse.n", "nurse")
    staff_login(client, "nurse.n")
    assert client.get("/console/notifications/templates").status_code == 403
    assert client.get(EDIT).status_code == 403
    client.cookies.clear()
    factories.staff(session, "admin.a", "admin")
    staff_login(client, "admin.a")
    page = client.get("/console/notifications/templates")
    assert page.status_code == 200
    assert 'data-key="deposit_low"' in page.text and "%(threshold)s" in page.text
    assert client.get("/console/notifications/templates/no_such_template").status_code == 404
    assert client.get("/console/notifications/templates/Bad-Key!").status_code == 422


def test_admin_edits_previews_and_resets_with_audit(client, session):
    factories.staff(session, "admin.b", "admin")
    token = staff_login(client, "admin.b")
    form = {
        "csrf_token": token,
        "enabled": "1",
        "urgent": "1",
        "channels": ["sms"],
        "title_en": "Top up please",
        "body_en": "%(patient)s: %(balance)s left (limit %(threshold)s).",
    }
    # Bad placeholders and unknown variables: a clear 422 and nothing saved.
    for body, code in (("100% left", "bad_placeholder"), ("%(amount)s left", "unknown_variable")):
        r = client.post(EDIT, data={**form, "body_en": body, "action": "save"})
        assert r.status_code == 422 and f'data-code="{code}"' in r.text, r.text
    r = client.post(EDIT, data={**form, "channels": ["fax"], "action": "save"})
    assert r.status_code == 422 and 'data-code="unknown_channel"' in r.text
    assert _override() is None and _audits("notification_template.update") == []
    # Without the CSRF token nothing happens either.
    assert client.post(EDIT, data={**form, "csrf_token": "", "action": "save"}).status_code == 403

    preview = client.post(EDIT, data={**form, "action": "preview"})
    assert preview.status_code == 200 and "张伟: ¥1,850.00 left (limit ¥2,000.00)." in preview.text
    assert _override() is None  # a preview saves nothing

    r = client.post(EDIT, data={**form, "action": "save"}, follow_redirects=False)
    assert r.status_code == 303
    row = _override()
    assert row is not None and (row.urgent, row.channels, row.title_en, row.title_zh) == (
        True,
        ["sms"],
        "Top up please",
        None,
    )
    [audit] = _audits("notification_template.update")
    assert audit.entity_id == "deposit_low" and "title_en" in audit.detail["changed"]

    r = client.post(EDIT + "/reset", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and _override() is None
    assert len(_audits("notification_template.reset")) == 1


def _sent_world(session):  # type: ignore[no-untyped-def]
    patient = factories.patient(session, name="王芳")
    own = factories.account_for(session, "13700000001", patient)
    proxy = factories.account_for(session, "13700000002", patient, relation="child")
    with DATABASE.session() as s:
        notifications.deliver(
            s,
            {own.id, proxy.id},
            template="report_ready",
            params={"patient": "王芳", "title": "血常规"},
            dedupe_key="report:1",
            patient_id=patient.id,
        )
        s.commit()
    return patient


def test_messages_sent_for_ward_and_admission_staff_with_masking_and_audit(client, session):
    patient = _sent_world(session)
    factories.staff(session, "cash.c", "cashier")
    staff_login(client, "cash.c")
    assert client.get("/console/notifications/sent").status_code == 403
    client.cookies.clear()
    factories.staff(session, "nurse.m", "nurse")
    staff_login(client, "nurse.m")
    page = client.get("/console/notifications/sent", params={"q": "王芳"})
    assert page.status_code == 200
    assert page.text.count('data-channel="sms"') == 2 and page.text.count('data-channel="inbox"') == 2
    assert "137****0001" in page.text and "13700000001" not in page.text
    reads = [a for a in _audits("patient.read") if a.detail.get("purpose") == "messages sent"]
    assert [a.patient_id for a in reads] == [patient.id]
    assert _audits("notification.sent.read")[0].detail["query"] == "王芳"

    only_sms = client.get("/console/notifications/sent", params={"channel": "sms", "state": "pending"})
    assert only_sms.text.count('data-channel="sms"') == 2 and 'data-channel="inbox"' not in only_sms.text
    nobody = client.get("/console/notifications/sent", params={"q": "nobody"})
    assert 'data-channel="' not in nobody.text
    for bad in ({"day": "2026-13-45"}, {"channel": "fax"}, {"state": "lost"}, {"template": "nope"}):
        r = client.get("/console/notifications/sent", params=bad)
        assert r.status_code == 422, bad


def test_phone_settings_change_only_the_own_account(client, session, sms):
    other = factories.account_for(session, "13700000009")
    page = client.get("/phone/settings/notifications", follow_redirects=False)
    assert page.status_code == 303  # sign in first
    token = phone_login(client, sms, "13700000005")
    page = client.get("/phone/settings/notifications")
    assert page.status_code == 200 and 'data-testid="bind-wechat"' in page.text
    assert 'href="/phone/settings/notifications"' in client.get("/phone/inbox").text

    form = {"csrf_token": token, "wechat": "1", "locale": "en", "account_id": str(other.id)}
    assert client.post("/phone/settings/notifications", data={**form, "csrf_token": ""}).status_code == 403
    r = client.post("/phone/settings/notifications", data=form, follow_redirects=False)
    assert r.status_code == 303
    bad = client.post("/phone/settings/notifications", data={**form, "locale": "fr"})
    assert bad.status_code == 422 and 'data-code="invalid_locale"' in bad.text
    r = client.post(
        "/phone/settings/notifications/wechat/bind", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    with DATABASE.session() as s:
        me = s.scalar(select(Account).where(Account.phone == "13700000005"))
        prefs = {p.account_id: p for p in s.scalars(select(NotificationPreference))}
        assert me.locale == "en"
        assert (prefs[me.id].sms, prefs[me.id].wechat, prefs[me.id].quiet_hours) == (False, True, False)
        assert wechat.openid_for(s, me.id).startswith("o-sandbox-")
        assert other.id not in prefs  # the other account's settings are untouched
    assert 'data-testid="wechat-bound"' in client.get("/phone/settings/notifications").text
    assert len(_audits("notification_preferences.update")) == 1
    r = client.post(
        "/phone/settings/notifications/wechat/unbind", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    with DATABASE.session() as s:
        assert s.scalar(select(WechatBinding)) is None
        assert s.scalar(select(NotificationDelivery)) is None


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate])
@given(data=st.data())
def test_notification_pages_survive_hostile_input(app, client, everyone, data):  # noqa: F811
    _, token = everyone
    for method, route in _routes(app):
        if "notifications" not in route.path:
            continue
        path = PARAM.sub(lambda m: quote(data.draw(VALUES, label=m.group(1)), safe="") or "1", route.path)
        fields = {name: data.draw(VALUES, label=name) for name in _field_names(route)}
        if method == "GET":
            r = client.get(path, params=fields, follow_redirects=False)
        else:
            r = client.request(method, path, data={**fields, "csrf_token": token}, follow_redirects=False)
        assert r.status_code < 500, (method, path, fields, r.text[:300])
