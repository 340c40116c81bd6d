"""Printable documents: payment receipts as PDF (phone download) and ESC/POS (kiosk printer)."""
