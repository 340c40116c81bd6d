"""A bundled payment-channel sandbox that behaves as the real channels do, for offline use."""
