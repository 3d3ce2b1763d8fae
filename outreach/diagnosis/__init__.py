"""Diagnosis: the problem taxonomy, its training data, the classifier and severity."""
