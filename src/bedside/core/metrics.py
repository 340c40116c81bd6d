"""Prometheus metrics for HTTP requests."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter("bedside_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "bedside_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
