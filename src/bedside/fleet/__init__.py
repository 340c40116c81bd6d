"""Kiosk fleet operations: live state, consumables, alerts, repair tickets, spare stand-ins."""
