"""Tests of the domain core: rules, diagnosis, importing, cases, dispatch and tokens."""
