"""Serves a peer on 127.0.0.1: in a thread of this process (`start`, for the demo and the
tests) or as its own process (`python -m bedside.simulators.runner sms-aliyun --port 9101
--key demo-key=demo-secret --sign Bedside --template SMS_1='您的验证码为${code}'`)."""

from __future__ import annotations

import argparse
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from bedside.simulators import fiscal_einvoice, his, insurance_platform, sms_aliyun, sms_tencent, wechat_mp
from bedside.simulators.sms_base import SmsAccount, SmsPeer

# Each takes its vendor's account (SmsAccount, wechat_mp.WechatMpAccount) and returns (app, peer).
PEERS: dict[str, Callable[[Any], tuple[FastAPI, Any]]] = {
    "sms-aliyun": sms_aliyun.create_app,
    "sms-tencent": sms_tencent.create_app,
    "wechat-mp": wechat_mp.create_app,
    "his": his.create_app,
    "fiscal-einvoice": fiscal_einvoice.create_app,
    "insurance-platform": insurance_platform.create_app,  # takes an insurance_platform.PeerAccount
}


@dataclass
class RunningPeer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start(app: FastAPI, port: int = 0, host: str = "127.0.0.1") -> RunningPeer:
    """Serves the app in a daemon thread and returns once it answers; port 0 picks a free one."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    # A peer holding a request open for a timeout fault must not hold up the shutdown.
    config = uvicorn.Config(app, log_config=None, lifespan="off", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"peer on {host}:{bound} did not start")
        time.sleep(0.02)
    return RunningPeer(f"http://{host}:{bound}", server, thread)


def start_peer(kind: str, account: SmsAccount, port: int = 0) -> tuple[RunningPeer, SmsPeer]:
    app, peer = PEERS[kind](account)
    sms_peer: SmsPeer = peer
    return start(app, port), sms_peer


def start_wechat_peer(
    account: wechat_mp.WechatMpAccount, port: int = 0
) -> tuple[RunningPeer, wechat_mp.WechatMpPeer]:
    app, peer = wechat_mp.create_app(account)
    return start(app, port), peer


def _pairs(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep:
            raise SystemExit(f"expected NAME=VALUE, got {value!r}")
        out[name] = rest
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a Bedside boundary peer on 127.0.0.1.")
    parser.add_argument("peer", choices=sorted(PEERS))
    parser.add_argument("--port", type=int, default=9101)
    parser.add_argument("--key", action="append", default=[], help="ACCESS_KEY_ID=SECRET (repeat)")
    parser.add_argument("--sign", action="append", default=[], help="an approved sign name (repeat)")
    parser.add_argument("--template", action="append", default=[], help="CODE=registered text (repeat)")
    parser.add_argument("--app-id", default="", help="Tencent SmsSdkAppId")
    parser.add_argument("--receipts-url", default="", help="Bedside's receipt callback URL")
    parser.add_argument("--receipt-delay", type=float, default=None, help="push receipts after N s")
    parser.add_argument("--inbox", type=Path, default=None, help="append delivered messages here")
    parser.add_argument("--redirect-domain", action="append", default=[], help="WeChat OAuth host[:port]")
    parser.add_argument("--region", default="430100", help="fiscal e-invoice: 行政区划代码")
    parser.add_argument("--agency", default="", help="fiscal e-invoice: 单位编码")
    parser.add_argument("--bill-type", action="append", default=[], help="fiscal e-invoice: TYPE=BATCHCODE")
    args = parser.parse_args(argv)
    if args.peer == "fiscal-einvoice":
        # --key APPID=APPKEY --agency CODE --bill-type 0301=43040126: numbers from 1 in each batch
        [(fiscal_app, fiscal_key)] = _pairs(args.key).items()
        batches = {
            t: fiscal_einvoice.Batch(code, 1, 9_999_999_999) for t, code in _pairs(args.bill_type).items()
        }
        fiscal = fiscal_einvoice.PlatformAccount(fiscal_app, fiscal_key, args.region, args.agency, batches)
        uvicorn.run(fiscal_einvoice.create_app(fiscal)[0], host="127.0.0.1", port=args.port, log_config=None)
        return
    if args.peer == "wechat-mp":
        # --key APPID=SECRET, --template TEMPLATE_ID=thing1,thing2,time3
        [(app_id, secret)] = _pairs(args.key).items()
        templates = {k: v.split(",") for k, v in _pairs(args.template).items()}
        mp = wechat_mp.WechatMpAccount(app_id, secret, set(args.redirect_domain), templates, args.inbox)
        uvicorn.run(wechat_mp.create_app(mp)[0], host="127.0.0.1", port=args.port, log_config=None)
        return
    if args.peer == "insurance-platform":
        # --key PAASID=SECRET --key sign=ENVELOPE_KEY --agency FIXMEDINS_CODE --region ADMVS
        keys = _pairs(args.key)
        sign_key = keys.pop("sign", "")
        [(paas_id, paas_secret)] = keys.items()
        books = insurance_platform.PeerAccount(paas_id, paas_secret, sign_key, args.agency, args.region)
        insurance_app, _ = insurance_platform.create_app(books)
        uvicorn.run(insurance_app, host="127.0.0.1", port=args.port, log_config=None)
        return
    if args.peer == "his":
        # --key webhook=SECRET: the BEDSIDE_HIS_WEBHOOK_SECRET Bedside signs with
        his_app, _ = his.create_app(his.HisAccount(_pairs(args.key).get("webhook", "")))
        uvicorn.run(his_app, host="127.0.0.1", port=args.port, log_config=None)
        return
    account = SmsAccount(
        credentials=_pairs(args.key),
        sign_names=set(args.sign),
        templates=_pairs(args.template),
        app_id=args.app_id,
        receipt_url=args.receipts_url,
        receipt_delay=args.receipt_delay,
        inbox_file=args.inbox,
    )
    app, _ = PEERS[args.peer](account)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_config=None)


if __name__ == "__main__":
    main()
