"""Helpers shared by test folders: the real-process stack and a buyer's app."""
