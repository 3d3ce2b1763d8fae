"""Reports for support leads: the weekly report (HTML and PDF)."""
