"""Cases: triage opens them, the conversation moves them, the ledger settles them."""
