"""Realistic Chinese demo data."""
