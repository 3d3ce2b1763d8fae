"""A payment provider for the fault tests: it keeps its own record, outside the store.

The action servers load it through OUTREACH_PAYMENT_ADAPTER (outreach.rules.payments). Like a
real provider it treats a repeated idempotency key as the same payout: the second call gets the
same reference. Every call is appended to a JSON-lines file (one short write with O_APPEND, so
concurrent processes never interleave a line), which the invariant checker compares with the
ledger. An optional delay inside pay() keeps each payout in flight long enough for a fault to
land in the middle of it.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from outreach.rules.payments import PaymentReceipt, PaymentRequest

LOG_ENV = "OUTREACH_FAULTS_PAYMENTS_LOG"
DELAY_ENV = "OUTREACH_FAULTS_PAY_DELAY_S"
SPEC = "tests.faults.payments_recorder:RecordingPayments"


class RecordingPayments:
    name = "recorder"

    def __init__(self) -> None:
        path = os.environ.get(LOG_ENV)
        if not path:
            raise RuntimeError(f"{LOG_ENV} must name the file the recording payment provider appends to")
        self.path = Path(path)
        self.delay_s = float(os.environ.get(DELAY_ENV, "0"))

    def pay(self, request: PaymentRequest) -> PaymentReceipt:
        line = json.dumps({"pid": os.getpid(), "at": time.time(), **asdict(request)}) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        if self.delay_s:
            time.sleep(self.delay_s)  # the ledger transaction stays open meanwhile
        return PaymentReceipt(provider_ref=f"rec:{request.idempotency_key}")


@dataclass(frozen=True)
class ProviderPayout:
    """What the provider paid for one idempotency key, however often it was asked."""

    idempotency_key: str
    case_id: int
    amount_fen: int
    coupon_fen: int
    calls: int


class ConflictingPayout(AssertionError):
    """One idempotency key asked with different amounts: the provider would refuse or pay twice."""


def provider_payouts(path: Path) -> dict[str, ProviderPayout]:
    """The provider's view: one payout per key; a repeated key must repeat the same request."""
    if not path.exists():
        return {}
    requests: dict[str, list[dict]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        requests[row["idempotency_key"]].append(row)
    payouts = {}
    for key, rows in requests.items():
        amounts = {(r["case_id"], r["amount_fen"], r["coupon_fen"]) for r in rows}
        if len(amounts) != 1:
            raise ConflictingPayout(f"key {key} was asked with different payouts: {sorted(amounts)}")
        case_id, amount_fen, coupon_fen = amounts.pop()
        payouts[key] = ProviderPayout(key, case_id, amount_fen, coupon_fen, len(rows))
    return payouts
