"""Prometheus metrics for HTTP requests and the kiosk fleet (the fleet's evaluator sets the
kiosk gauges on each pass)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("bedside_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "bedside_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

KIOSK_UP = Gauge("bedside_kiosk_up", "1 while the kiosk reports within the offline silence", ["kiosk"])
KIOSK_REPORT_AGE = Gauge(
    "bedside_kiosk_last_report_age_seconds", "Seconds since the kiosk's last telemetry report", ["kiosk"]
)
KIOSK_OUT_OF_SERVICE = Gauge(
    "bedside_kiosk_out_of_service", "1 when an engineer took the kiosk out of service", ["kiosk"]
)
KIOSK_MODULE_UP = Gauge(
    "bedside_kiosk_module_up",
    "1 when the module reports ok or warning, 0 on fault or offline",
    ["kiosk", "module"],
)
KIOSK_CONSUMABLE = Gauge(
    "bedside_kiosk_consumable_percent", "Consumable left (cash box: fill), percent", ["kiosk", "consumable"]
)
FLEET_ALERTS = Gauge("bedside_fleet_alerts", "Live fleet alerts", ["rule", "state"])
