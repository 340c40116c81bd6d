"""Alert rules as configuration (alert_rules.toml, or the file BEDSIDE_FLEET_RULES_PATH names)
and the pure functions that apply them: the run-out projection of a consumable and the
conditions one kiosk's recent reports meet. No I/O beyond reading the rules file."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from bedside.fleet.states import BROKEN_MODULE_STATES

DEFAULT_RULES = Path(__file__).with_name("alert_rules.toml")
# The shortest run of readings a usage rate is taken from.
MIN_SPAN = timedelta(minutes=10)
RULE_NAMES = (
    "upkeep_missed",
    "offline",
    "module_fault",
    "consumable_low",
    "cash_box_full",
    "payment_failures",
    "low_transactions",
)


@dataclass(frozen=True)
class Rules:
    offline_after: timedelta
    escalate_after: timedelta
    usage_window: timedelta
    rules: Mapping[str, Mapping[str, Any]]

    def on(self, name: str) -> Mapping[str, Any] | None:
        rule = self.rules.get(name)
        return rule if rule and rule.get("enabled", True) else None

    def severity(self, name: str) -> str:
        return str(self.rules.get(name, {}).get("severity", "warning"))


def parse(text: str) -> Rules:
    data = tomllib.loads(text)
    fleet = data.get("fleet", {})
    rules = data.get("rules", {})
    unknown = set(rules) - set(RULE_NAMES)
    if unknown:
        raise ValueError(f"unknown fleet alert rules: {sorted(unknown)}")
    return Rules(
        offline_after=timedelta(seconds=int(fleet.get("offline_after_seconds", 90))),
        escalate_after=timedelta(minutes=int(fleet.get("escalate_after_minutes", 15))),
        usage_window=timedelta(minutes=int(fleet.get("usage_window_minutes", 120))),
        rules=rules,
    )


@lru_cache(maxsize=4)
def load(path: str | None = None) -> Rules:
    return parse((Path(path) if path else DEFAULT_RULES).read_text(encoding="utf-8"))


# --- run-out projection -------------------------------------------------------------------


def run_out_at(levels: Sequence[tuple[datetime, int]], now: datetime) -> datetime | None:
    """When a consumable will be empty at its recent usage rate, from (time, percent left)
    readings oldest first. Only readings since the last refill count (a rise is a refill);
    None when nothing is being used or there are too few readings to tell."""
    since_refill: list[tuple[datetime, int]] = []
    for at, level in levels:
        if since_refill and level > since_refill[-1][1]:
            since_refill = []
        since_refill.append((at, level))
    if len(since_refill) < 2:
        return None
    (t0, first), (t1, last) = since_refill[0], since_refill[-1]
    used, elapsed = first - last, (t1 - t0).total_seconds()
    if last <= 0:
        return t1
    # One receipt in the first minute is no rate: a short span would page someone for nothing.
    if used <= 0 or t1 - t0 < MIN_SPAN:
        return None
    return t1 + timedelta(seconds=last * elapsed / used)


def counter_increase(readings: Sequence[tuple[datetime, int]]) -> int:
    """How much a counter rose over readings oldest first; the agent's counters start again at
    zero when it restarts, so a drop counts its new value as the increase."""
    total = 0
    for (_, before), (_, after) in zip(readings, readings[1:], strict=False):
        total += after - before if after >= before else after
    return total


# --- conditions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KioskReadings:
    """One kiosk's recent reports, oldest first, as the evaluator hands them to the rules."""

    last_report_at: datetime | None
    modules: Sequence[Mapping[str, Any]]
    consumables: Mapping[str, int]
    history: Sequence[tuple[datetime, Mapping[str, int], Mapping[str, int]]]  # at, consumables, counters
    reporting_since: datetime | None = None


@dataclass(frozen=True)
class Condition:
    rule: str
    subject: str
    detail: Mapping[str, Any]

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.subject}"


def _levels(k: KioskReadings, name: str) -> list[tuple[datetime, int]]:
    return [(at, c[name]) for at, c, _ in k.history if name in c]


def _counter(k: KioskReadings, name: str | None, since: datetime) -> int:
    def value(t: Mapping[str, int]) -> int:
        # Failures are not transactions done.
        return sum(v for n, v in t.items() if "fail" not in n) if name is None else t.get(name, 0)

    return counter_increase([(at, value(t)) for at, _, t in k.history if at >= since])


def conditions(rules: Rules, k: KioskReadings, now: datetime, local_hour: int) -> list[Condition]:
    """Every alert condition the kiosk meets now. A silent kiosk meets only `offline`: its
    last module and consumable readings are old news."""
    found: list[Condition] = []
    silent_for = None if k.last_report_at is None else now - k.last_report_at
    if (rule := rules.on("offline")) is not None:
        limit = timedelta(seconds=int(rule.get("after_seconds", 120)))
        if silent_for is None or silent_for >= limit:
            seconds = None if silent_for is None else int(silent_for.total_seconds())
            return [Condition("offline", "", {"silent_seconds": seconds})]
    if silent_for is None or silent_for > rules.offline_after:
        return []
    if rules.on("module_fault") is not None:
        for m in k.modules:
            if m.get("state") in BROKEN_MODULE_STATES:
                found.append(
                    Condition(
                        "module_fault",
                        str(m.get("kind")),
                        {"state": m.get("state"), "detail": m.get("detail")},
                    )
                )
    if (rule := rules.on("consumable_low")) is not None:
        within = timedelta(minutes=int(rule.get("runs_out_within_minutes", 120)))
        for name in rule.get("consumables", []):
            if name not in k.consumables:
                continue
            level = k.consumables[name]
            eta = run_out_at(_levels(k, name), now)
            if level < int(rule.get("below_percent", 10)) or (eta is not None and eta - now <= within):
                found.append(
                    Condition(
                        "consumable_low",
                        name,
                        {"percent": level, "runs_out_at": eta.isoformat() if eta else None},
                    )
                )
    if (rule := rules.on("cash_box_full")) is not None:
        name = str(rule.get("consumable", "cash_box"))
        if k.consumables.get(name, 0) >= int(rule.get("at_percent", 90)):
            found.append(Condition("cash_box_full", name, {"percent": k.consumables[name]}))
    if (rule := rules.on("payment_failures")) is not None:
        since = now - timedelta(minutes=int(rule.get("within_minutes", 30)))
        failures = _counter(k, str(rule.get("counter", "payment_failures")), since)
        if failures >= int(rule.get("at_least", 3)):
            found.append(Condition("payment_failures", "", {"failures": failures}))
    if (rule := rules.on("low_transactions")) is not None:
        window = timedelta(minutes=int(rule.get("within_minutes", 60)))
        opening = int(rule.get("from_hour", 8)) <= local_hour < int(rule.get("to_hour", 17))
        # Only a kiosk that has reported through the whole window can be said to be quiet.
        whole = k.reporting_since is not None and k.reporting_since <= now - window
        if opening and whole:
            done = _counter(k, None, now - window)
            if done < int(rule.get("fewer_than", 1)):
                found.append(Condition("low_transactions", "", {"transactions": done}))
    return found


def upkeep_conditions(
    rules: Rules, last: Mapping[str, datetime], since: datetime, now_local: datetime
) -> list[Condition]:
    """Missed upkeep: no cleaning today once the day's deadline passed, or no inspection within
    the week. `since` is when the kiosk joined the fleet (a new kiosk owes nothing yet);
    `now_local` is the hospital's local time, whose calendar day the daily checklist follows."""
    rule = rules.on("upkeep_missed")
    if rule is None:
        return []
    found = []
    today = now_local.date()
    tz = now_local.tzinfo
    daily = last.get("daily")
    joined_before_today = since.astimezone(tz).date() < today
    if now_local.hour >= int(rule.get("daily_by_hour", 10)) and joined_before_today:
        if daily is None or daily.astimezone(tz).date() < today:
            found.append(Condition("upkeep_missed", "daily", {"last": daily.isoformat() if daily else None}))
    every = timedelta(days=int(rule.get("weekly_every_days", 7)))
    weekly = last.get("weekly")
    if now_local - (weekly or since) > every:
        found.append(Condition("upkeep_missed", "weekly", {"last": weekly.isoformat() if weekly else None}))
    return found
