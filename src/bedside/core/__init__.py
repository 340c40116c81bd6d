"""Shared machinery with no business rules: database, events, money, states, errors, auth."""
