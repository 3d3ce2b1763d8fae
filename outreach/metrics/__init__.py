"""Figures support leads read: CSAT, NPS and outcomes (docs/metrics.md), and merchant outliers."""
