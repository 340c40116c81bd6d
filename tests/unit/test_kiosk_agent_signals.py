"""What the agent tells fleet operations beyond module states: declined card payments counted
as payment failures (the "repeated payment failures" alert), how full the cash box is (the
"cash box nearly full" alert), emptying it, and when the kiosk has been idle long enough to
apply a software update."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bedside.kiosk_agent.drivers import DeviceFault
from bedside.kiosk_agent.simulators import simulated_devices


def test_declined_card_payments_are_counted_as_payment_failures(tmp_path: Path) -> None:
    devices = simulated_devices(tmp_path)
    devices.pin_pad.configure(entered_pin="000000")  # type: ignore[attr-defined]
    for n in range(3):
        with pytest.raises(DeviceFault):
            devices.pin_pad.pay(100, f"BP2026120700000{n}")
    counts = devices.transactions.snapshot()
    assert (counts["payment_failures"], counts["card_payments"]) == (3, 0)


def test_the_cash_box_fills_warns_when_nearly_full_stops_when_full_and_is_emptied(tmp_path: Path) -> None:
    devices = simulated_devices(tmp_path)
    cash = devices.cash_acceptor
    cash.capacity = 10  # type: ignore[attr-defined]
    assert cash.status().consumables == {"cash_box": 0} and cash.status().state == "ok"
    cash.enable("S1", 10_000_00)
    for _ in range(9):
        assert cash.insert(10_00)["result"] == "accepted"  # type: ignore[attr-defined]
    status = cash.status()
    assert (status.state, status.detail, status.consumables) == (
        "warning",
        "cash_box_nearly_full",
        {"cash_box": 90},
    )
    cash.insert(10_00)  # type: ignore[attr-defined]
    assert (cash.status().state, cash.status().detail) == ("fault", "cash_box_full")
    cash.disable()
    with pytest.raises(DeviceFault):
        cash.enable("S2", 100_00)  # a full cassette takes no more notes
    cash.refill()  # type: ignore[attr-defined]
    assert cash.status().consumables == {"cash_box": 0} and cash.status().state == "ok"
    assert cash.enable("S2", 100_00).enabled


def test_idle_means_no_device_activity_for_a_while(tmp_path: Path) -> None:
    devices = simulated_devices(tmp_path)
    assert not devices.transactions.idle_for(60)
    assert devices.transactions.idle_for(0)
    time.sleep(0.05)
    assert devices.transactions.idle_for(0.04)
    devices.receipt_printer.status()
    devices.scanner.present("x")  # type: ignore[attr-defined]
    assert not devices.transactions.idle_for(0.04)
