"""The payment sandbox's own pages: the simulated payer's app."""
