"""The demo hospital generator: deterministic for a seed, idempotent, up to thousands of beds."""
