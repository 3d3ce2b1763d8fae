"""Security tests: buyer tokens, masked phone numbers, secrets, and fuzzing the front door."""
