"""Serves a peer on 127.0.0.1: in a thread of this process (`start`, for the demo and the
tests) or as its own process (`python -m bedside.simulators.runner sms-aliyun --port 9101
--key demo-key=demo-secret --sign Bedside --template SMS_1='您的验证码为${code}'`)."""

from __future__ import annotations

import argparse
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from bedside.simulators import sms_aliyun, sms_tencent
from bedside.simulators.sms_base import SmsAccount, SmsPeer

PEERS = {"sms-aliyun": sms_aliyun.create_app, "sms-tencent": sms_tencent.create_app}


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
    args = parser.parse_args(argv)
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
