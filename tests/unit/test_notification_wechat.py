"""WeChat template messages: field values fitted to each field type's limits, the request body
WeChat documents, errcode handling, and the access token fetched once and renewed when WeChat
says it is no longer valid."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx

from bedside.notifications.channels import Outgoing
from bedside.notifications.channels.wechat import (
    HttpxWechatTransport,
    RecordingWechatTransport,
    WechatChannel,
    build_body,
    field_kind,
    fit,
)


def _message(**kw) -> Outgoing:  # type: ignore[no-untyped-def]
    values = {
        "delivery_id": 42,
        "template": "bed_assigned",
        "locale": "zh_CN",
        "title": "床位已安排",
        "body": "李秀英：心内一病区 501-1 床已为您保留至 2026-11-24 18:00。下一步：在手机上完成入院信息。",
        "address": "o-openid-1",
        "link": "/phone/notices/7",
        "params": {"patient": "李秀英", "bed": "501-1"},
        "created_at": datetime(2026, 11, 23, 6, 5, tzinfo=UTC),
    }
    values.update(kw)
    return Outgoing(**values)


def test_field_kinds_and_limits():
    assert field_kind("thing12") == "thing"
    assert field_kind("character_string21") == "character_string"
    assert field_kind("time3") == "time"
    long = "一二三四五六七八九十一二三四五六七八九十二十一"
    assert fit("thing1", long) == long[:19] + "…"
    assert len(fit("thing1", long)) == 20
    assert fit("thing1", "short") == "short"
    assert fit("phrase2", "已安排床位了") == "已安排床位"[:4] + "…"
    assert fit("name3", "欧阳娜娜娜娜娜娜娜娜娜") == "欧阳娜娜娜娜娜娜娜…"
    assert fit("name3", "Alexander Hamilton-Smith") == "Alexander Hamilton-…"
    assert fit("character_string4", "ZY2026 000123 住院") == "ZY2026000123"
    assert fit("number5", "¥1,850.00") == "1850.00"
    assert fit("keyword1", "x" * 30) == "x" * 19 + "…"
    assert fit("thing1", "two\nlines") == "two lines"


def test_request_body_as_wechat_documents_it():
    body = build_body(
        _message(), "TPL-1", {"thing1": "title", "thing2": "body", "time3": "time", "name4": "patient"}
    )
    assert body == {
        "touser": "o-openid-1",
        "template_id": "TPL-1",
        "url": "http://127.0.0.1:8000/phone/notices/7",
        "client_msg_id": "bedside-42",
        "data": {
            "thing1": {"value": "床位已安排"},
            "thing2": {"value": "李秀英：心内一病区 501-1 床已为…"},
            "time3": {"value": "2026年11月23日 14:05"},
            "name4": {"value": "李秀英"},
        },
    }
    assert all(len(v["value"]) <= 20 for k, v in body["data"].items() if k.startswith("thing"))
    assert "url" not in build_body(_message(link=None), "T", {"thing1": "=固定文字"})


def test_channel_answers_errcode_as_success_or_failure():
    transport = RecordingWechatTransport()
    channel = WechatChannel(transport, templates={})
    ok = channel.send(_message())
    assert ok.ok and ok.provider_ref
    assert transport.sent[0]["template_id"] == "sandbox-bed_assigned"
    transport.script.append({"errcode": -1, "errmsg": "system error"})
    busy = channel.send(_message())
    assert (busy.ok, busy.code, busy.retryable) == (False, "-1", True)
    transport.script.append({"errcode": 40003, "errmsg": "invalid openid"})
    bad = channel.send(_message())
    assert (bad.ok, bad.code, bad.retryable, bad.error) == (False, "40003", False, "invalid openid")


def test_configured_templates_are_required_outside_the_sandbox():
    class Real:
        def send_template(self, body):  # type: ignore[no-untyped-def]
            raise AssertionError("not called")

    result = WechatChannel(Real(), templates={}).send(_message())
    assert (result.ok, result.code, result.retryable) == (False, "no_template", False)
    mapped = WechatChannel(
        RecordingWechatTransport(),
        templates={"default": {"template_id": "T", "fields": {"thing7": "param:bed"}}},
    )
    assert mapped.send(_message()).ok
    assert mapped.transport.sent[0]["data"] == {"thing7": {"value": "501-1"}}  # type: ignore[attr-defined]


def test_httpx_transport_caches_the_token_and_renews_it_when_refused():
    calls: list[tuple[str, dict]] = []
    answers = iter(
        [{"errcode": 40001, "errmsg": "invalid credential"}, {"errcode": 0, "errmsg": "ok", "msgid": 7}]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        payload = json.loads(request.content or b"{}")
        calls.append((request.url.path, payload))
        if request.url.path == "/cgi-bin/stable_token":
            token = "T2" if payload["force_refresh"] else "T1"
            return httpx.Response(200, json={"access_token": token, "expires_in": 7200})
        assert request.url.path == "/cgi-bin/message/template/send"
        assert request.url.params["access_token"] in ("T1", "T2")
        return httpx.Response(200, json=next(answers, {"errcode": 0, "errmsg": "ok", "msgid": 8}))

    now = [1000.0]
    transport = HttpxWechatTransport(
        "wxappid", "secret", client=httpx.Client(transport=httpx.MockTransport(handler)), clock=lambda: now[0]
    )
    assert transport.send_template({"touser": "o1", "data": {"thing1": {"value": "床位"}}})["msgid"] == 7
    paths = [p for p, _ in calls]
    assert paths == ["/cgi-bin/stable_token", "/cgi-bin/message/template/send"] * 2
    assert calls[0][1] == {
        "grant_type": "client_credential",
        "appid": "wxappid",
        "secret": "secret",
        "force_refresh": False,
    }
    assert calls[1][1]["data"]["thing1"]["value"] == "床位"  # UTF-8, not escaped
    calls.clear()
    transport.send_template({"touser": "o1"})
    assert [p for p, _ in calls] == ["/cgi-bin/message/template/send"]  # cached
    now[0] += 7200
    calls.clear()
    transport.send_template({"touser": "o1"})
    assert [p for p, _ in calls] == ["/cgi-bin/stable_token", "/cgi-bin/message/template/send"]


def test_token_error_is_a_failed_attempt_not_a_crash():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"errcode": 40125, "errmsg": "invalid appsecret"})

    transport = HttpxWechatTransport("a", "b", client=httpx.Client(transport=httpx.MockTransport(handler)))
    result = WechatChannel(transport, templates={"default": {"template_id": "T"}}).send(_message())
    assert (result.ok, result.code) == (False, "40125")

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route")

    transport = HttpxWechatTransport("a", "b", client=httpx.Client(transport=httpx.MockTransport(down)))
    result = WechatChannel(transport, templates={"default": {"template_id": "T"}}).send(_message())
    assert (result.ok, result.code, result.retryable) == (False, "network", True)
