"""Outreach scheduling: which due case is contacted, how and when."""
