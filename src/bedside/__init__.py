"""Bedside: one-stop self-service admission and discharge for hospitals."""

__version__ = "0.1.0"
