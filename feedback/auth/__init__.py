"""Staff login, password hashing, roles and unit scope."""
