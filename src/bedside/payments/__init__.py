"""Payments: orders, channel adapters, the sandbox and refunds."""
