"""Channel adapters: one interface, one adapter per payment channel."""
