"""The support leads' dashboard: staff accounts, sessions and pages, mounted at /dashboard."""
