"""Platform rules: schema and loader, offer engine, remedy ledger."""
