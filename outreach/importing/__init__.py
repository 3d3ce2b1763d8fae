"""Importing orders and feedback from JSON lines files, all or nothing."""
