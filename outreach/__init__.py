"""Proactive care for hurt buyers: the domain core, importable without Rasa running."""
