"""Kiosk surface: portrait touch screen, large targets, idle reset."""
