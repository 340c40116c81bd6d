"""Kiosk devices: registration, per-device keys, and patient sign-in at a kiosk."""
