"""Staff users, their roles, console login and lock-out. Announces nothing yet."""
