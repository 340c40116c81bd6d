"""WeChat service-account web authorization (网页授权, scope snsapi_base) over HTTP.

The browser is sent to `{oauth}/connect/oauth2/authorize?appid=…&redirect_uri=…&
response_type=code&scope=snsapi_base&state=…#wechat_redirect`; WeChat sends it back to
redirect_uri with `code` and `state` (no prompt for snsapi_base). The code is good once, for
five minutes, and is exchanged server side at `{api}/sns/oauth2/access_token?appid&secret&code&
grant_type=authorization_code` for `{"access_token", "expires_in", "refresh_token", "openid",
"scope"}`, or `{"errcode": 40029, "errmsg": "invalid code"}` and the like. Only the openid is
kept: snsapi_base's access token reads nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlencode

import httpx

from bedside.core.i18n import N_
from bedside.settings import Settings


class OAuthFailure(StrEnum):
    CODE = "code"  # invalid, used or expired code: start again
    ACCOUNT = "account"  # the hospital's app id or secret, IP whitelist: staff must fix it
    UNAVAILABLE = "unavailable"  # timeout, 5xx, WeChat busy: try again later


# 40029 invalid code, 40163 code been used, 41008 missing code, 42003 code expired.
_CODE_ERRORS = {40029, 40163, 41008, 42003}
# 40013 invalid appid, 40125 invalid appsecret, 40164 caller IP not whitelisted, 48001 no rights.
_ACCOUNT_ERRORS = {40001, 40013, 40125, 40164, 41002, 41004, 48001}

MESSAGES = {
    OAuthFailure.CODE: N_(
        "WeChat did not confirm this authorization (it may have been used already). Try binding again."
    ),
    OAuthFailure.ACCOUNT: N_(
        "The hospital's WeChat service account is not set up correctly. Please tell the staff."
    ),
    OAuthFailure.UNAVAILABLE: N_("WeChat did not answer in time. Please try again in a moment."),
}


class WechatOAuthError(Exception):
    def __init__(self, failure: OAuthFailure, code: int | None, detail: str) -> None:
        super().__init__(f"{failure.value} {code}: {detail}")
        self.failure, self.code, self.detail = failure, code, detail


def classify(code: int) -> OAuthFailure:
    if code in _CODE_ERRORS:
        return OAuthFailure.CODE
    if code in _ACCOUNT_ERRORS:
        return OAuthFailure.ACCOUNT
    return OAuthFailure.UNAVAILABLE


@dataclass(frozen=True)
class OAuthIdentity:
    openid: str
    scope: str


class WechatOAuth(Protocol):
    app_id: str

    def authorize_url(self, redirect_uri: str, state: str) -> str: ...

    def exchange_code(self, code: str) -> OAuthIdentity: ...


class HttpxWechatOAuth:
    def __init__(
        self,
        app_id: str,
        secret: str,
        *,
        oauth_url: str = "https://open.weixin.qq.com",
        api_url: str = "https://api.weixin.qq.com",
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.app_id, self._secret = app_id, secret
        self.oauth_url, self.api_url = oauth_url.rstrip("/"), api_url.rstrip("/")
        self.timeout, self.client = timeout, client

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        # WeChat reads the parameters in this order and needs the fragment to answer at all.
        query = urlencode(
            {
                "appid": self.app_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": "snsapi_base",
                "state": state,
            }
        )
        return f"{self.oauth_url}/connect/oauth2/authorize?{query}#wechat_redirect"

    def exchange_code(self, code: str) -> OAuthIdentity:
        params = {
            "appid": self.app_id,
            "secret": self._secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        url = f"{self.api_url}/sns/oauth2/access_token"
        try:
            if self.client is not None:
                response = self.client.get(url, params=params)
            else:
                # One exchange per binding: a client of its own, closed when done.
                with httpx.Client(timeout=self.timeout) as client:
                    response = client.get(url, params=params)
        except httpx.HTTPError as exc:
            # The secret travels in the query: the URL is never put into the error.
            raise WechatOAuthError(OAuthFailure.UNAVAILABLE, None, type(exc).__name__) from None
        if response.status_code >= 500:
            raise WechatOAuthError(OAuthFailure.UNAVAILABLE, None, f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise WechatOAuthError(OAuthFailure.UNAVAILABLE, None, "not JSON") from None
        errcode = int(answer.get("errcode") or 0)
        if errcode or not answer.get("openid"):
            errcode = errcode or -1
            raise WechatOAuthError(classify(errcode), errcode, str(answer.get("errmsg", ""))[:200])
        return OAuthIdentity(openid=str(answer["openid"])[:64], scope=str(answer.get("scope", "")))


def oauth_from_settings(settings: Settings) -> HttpxWechatOAuth | None:
    """The real client when a service account is configured; None means no web authorization."""
    if not (settings.wechat_app_id and settings.wechat_app_secret):
        return None
    return HttpxWechatOAuth(
        settings.wechat_app_id,
        settings.wechat_app_secret,
        oauth_url=settings.wechat_oauth_url,
        api_url=settings.wechat_api_url,
        timeout=settings.wechat_timeout_seconds,
    )
