"""One owner of the case lifecycle: statuses, event kinds, allowed moves, consent, remedies, approvals."""
