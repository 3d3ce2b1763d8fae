"""Payouts through a payment adapter, at most one per remedy.

The default adapter only records the payout in the ledger (`payments` table). A real
provider plugs in by configuration: OUTREACH_PAYMENT_ADAPTER=package.module:factory, where
factory() returns an object with `name` and `pay(request) -> PaymentReceipt`. The provider
receives the remedy's idempotency key and must treat a repeated key as the same payout.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.store.db import insert_once
from outreach.store.models import Case, Payment, Remedy

ADAPTER_ENV = "OUTREACH_PAYMENT_ADAPTER"
DEFAULT_ADAPTER = "outreach.rules.payments:LedgerPayments"


@dataclass(frozen=True)
class PaymentRequest:
    idempotency_key: str
    case_id: int
    buyer_id: str
    order_id: str
    rule_id: str
    kind: str
    amount_fen: int
    coupon_fen: int


@dataclass(frozen=True)
class PaymentReceipt:
    provider_ref: str


class PaymentAdapter(Protocol):
    name: str

    def pay(self, request: PaymentRequest) -> PaymentReceipt: ...


class LedgerPayments:
    """The embedded default: the ledger row is the payout; refunds are settled by the platform's batch."""

    name = "ledger"

    def pay(self, request: PaymentRequest) -> PaymentReceipt:
        return PaymentReceipt(provider_ref=f"ledger:{request.idempotency_key}")


class PaymentConfigError(ValueError):
    pass


def load_adapter(spec: str) -> PaymentAdapter:
    module_name, _, attr = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise PaymentConfigError(f"{ADAPTER_ENV}={spec!r} cannot be loaded ({exc}); "
                                 f"use package.module:factory, e.g. {DEFAULT_ADAPTER}") from exc
    adapter = factory()
    if not callable(getattr(adapter, "pay", None)) or not getattr(adapter, "name", None):
        raise PaymentConfigError(f"{ADAPTER_ENV}={spec!r} gives {adapter!r}, which has no name and pay(request)")
    return adapter


@lru_cache(maxsize=1)
def adapter() -> PaymentAdapter:
    return load_adapter(os.environ.get(ADAPTER_ENV) or DEFAULT_ADAPTER)


def paid(session: Session, remedy: Remedy) -> Payment | None:
    return session.execute(select(Payment).where(Payment.remedy_id == remedy.id)).scalar_one_or_none()


def pay_once(session: Session, remedy: Remedy, provider: PaymentAdapter | None = None, *,
             recorded_now: bool = False) -> Payment | None:
    """Pay an executed remedy unless it is paid already; nothing to pay (a re-ship) pays nothing.

    `recorded_now`: the remedy was recorded in this very transaction, which no other one can see
    yet, so no payment of it can exist: none is looked for (the unique keys still hold)."""
    if remedy.status != "executed" or remedy.amount_fen + remedy.coupon_fen == 0:
        return None
    found = None if recorded_now else paid(session, remedy)
    if found is not None:
        return found
    provider = provider or adapter()
    case = session.get(Case, remedy.case_id)
    receipt = provider.pay(PaymentRequest(
        idempotency_key=remedy.idempotency_key, case_id=remedy.case_id, buyer_id=case.buyer_id,
        order_id=case.order_id, rule_id=remedy.rule_id, kind=remedy.kind, amount_fen=remedy.amount_fen,
        coupon_fen=remedy.coupon_fen,
    ))
    payment = Payment(remedy_id=remedy.id, case_id=remedy.case_id, idempotency_key=remedy.idempotency_key,
                      provider=provider.name, provider_ref=receipt.provider_ref[:200], rule_id=remedy.rule_id,
                      amount_fen=remedy.amount_fen, coupon_fen=remedy.coupon_fen)
    return insert_once(session, payment, lambda: paid(session, remedy))[0]
