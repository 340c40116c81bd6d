"""A signed-in phone user binds WeChat through the official-account peer (the browser goes
to the peer's authorize page and comes back with code and state, the app exchanges the code
over HTTP), then a message to the account reaches the peer as a template message."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bedside.accounts import wechat
from bedside.notifications import service as notifications
from bedside.settings import get_settings
from tests import factories, wechat_peers
from tests.conftest import DATABASE
from tests.e2e.conftest import PHONE, shot
from tests.e2e.steps import phone_sign_in

pytestmark = pytest.mark.browser


def test_phone_user_binds_wechat_and_receives_a_template_message(
    session, sms, new_page, live_server, monkeypatch
):
    patient = factories.patient(session, name="王芳", phone="13700000031")
    account = factories.account_for(session, "13700000031", patient)
    session.commit()
    account_id = account.id
    base = live_server.start()
    monkeypatch.setattr(get_settings(), "base_url", base)
    mp = wechat_peers.start({urlsplit(base).netloc})
    try:
        mp.configure(monkeypatch)
        phone = new_page(PHONE)
        phone_sign_in(phone, sms, "13700000031")
        expect(phone).to_have_url(re.compile(r"/phone/$"))
        phone.goto("/phone/settings/notifications")
        phone.locator("[data-testid=bind-wechat]").click()
        # Through the peer's authorize page and back to the settings page, bound.
        expect(phone.locator("[data-testid=wechat-bound]")).to_be_visible()
        # (the browser keeps the authorize URL's #wechat_redirect fragment across the redirects)
        expect(phone).to_have_url(re.compile(r"/phone/settings/notifications\?saved=1(#wechat_redirect)?$"))
        shot(phone, "phone-wechat-bound")
        with DATABASE.session() as s:
            openid = wechat.openid_for(s, account_id)
        assert openid and openid in mp.peer.issued

        with DATABASE.session() as s:
            notifications.deliver(
                s,
                {account_id},
                template="deposit_low",
                params={"patient": "王芳", "balance": "¥100.00", "threshold": "¥2,000.00"},
                dedupe_key="e2e-wechat",
                patient_id=patient.id,
                urgent=True,
            )
            s.commit()
            notifications.send_due(s)
        [message] = mp.messages(openid)
        assert message["template_id"] == wechat_peers.TEMPLATE and message["data"]["thing1"]
        phone.goto("/phone/inbox")
        expect(phone.locator("main")).to_contain_text(message["data"]["thing1"].rstrip("…"))
        with DATABASE.session() as s:
            from bedside.accounts.wechat_models import WechatBinding

            assert len(list(s.scalars(select(WechatBinding)))) == 1
    finally:
        mp.running.stop()
