"""Staff accounts: the admins' users pages, everyone's own account page."""
