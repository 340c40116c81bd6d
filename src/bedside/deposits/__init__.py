"""Deposit accounts (预交金) and their append-only ledger, one account per stay.
Announces LowBalance."""
