"""Rasa NLU components of the assistant: thin adapters over outreach.diagnosis."""
