"""The store's tables. Money is integer fen; times are UTC."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

from outreach.store.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Base = declarative_base(metadata=MetaData(naming_convention=NAMING))


class Buyer(Base):
    __tablename__ = "buyers"
    id = Column(String(64), primary_key=True)
    name = Column(String(100), nullable=False)
    phone = Column(String(32))
    time_zone = Column(String(64), nullable=False, default="Asia/Shanghai")
    age_band = Column(String(8), nullable=False, default="30-44")  # 18-29, 30-44, 45-59, 60+
    last_app_active_at = Column(UTCDateTime)
    preferred_channel = Column(String(16))  # inapp, call, or None for the scheduler's choice
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    @property
    def elderly(self) -> bool:
        return self.age_band == "60+"


class Merchant(Base):
    __tablename__ = "merchants"
    id = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    kind = Column(String(32))
    shops = relationship("Shop", back_populates="merchant")


class Shop(Base):
    __tablename__ = "shops"
    id = Column(String(64), primary_key=True)
    merchant_id = Column(ForeignKey("merchants.id"), nullable=False)
    name = Column(String(200), nullable=False)
    trust_badge = Column(Boolean, nullable=False, default=False)  # 信任购
    merchant = relationship("Merchant", back_populates="shops")


class Order(Base):
    __tablename__ = "orders"
    id = Column(String(64), primary_key=True)
    buyer_id = Column(ForeignKey("buyers.id"), nullable=False, index=True)
    shop_id = Column(ForeignKey("shops.id"), nullable=False, index=True)
    total_fen = Column(Integer, nullable=False)  # what the buyer owed, after coupons and promised free shipping
    charged_fen = Column(Integer)  # what the payment records show was taken; above total_fen: an overcharge
    paid_at = Column(UTCDateTime, nullable=False)
    promised_ship_hours = Column(Integer, nullable=False, default=48)
    shipped_at = Column(UTCDateTime)
    delivered_at = Column(UTCDateTime)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    items = relationship("OrderItem", back_populates="order", order_by="OrderItem.id")
    shop = relationship("Shop")
    buyer = relationship("Buyer")
    __table_args__ = (CheckConstraint("total_fen >= 0", name="total_nonnegative"),)


class OrderItem(Base):
    __tablename__ = "order_items"
    id = Column(Integer, primary_key=True, autoincrement=True)
    order_id = Column(ForeignKey("orders.id"), nullable=False, index=True)
    title = Column(String(300), nullable=False)
    kind = Column(String(32), nullable=False)  # seafood, fruit, cosmetics, apparel, ...
    unit_price_fen = Column(Integer, nullable=False)
    current_unit_price_fen = Column(Integer)  # the listing's price when the order was imported (价保)
    quantity = Column(Integer, nullable=False, default=1)
    unit = Column(String(8), nullable=False, default="件")
    promises = Column(JSON, nullable=False, default=list)  # item service promise flags
    live_seafood = Column(Boolean, nullable=False, default=False)
    order = relationship("Order", back_populates="items")
    __table_args__ = (
        CheckConstraint("unit_price_fen >= 0", name="price_nonnegative"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )


class Feedback(Base):
    __tablename__ = "feedback"
    id = Column(Integer, primary_key=True, autoincrement=True)
    external_id = Column(String(64), unique=True)
    buyer_id = Column(ForeignKey("buyers.id"), nullable=False, index=True)
    order_id = Column(ForeignKey("orders.id"), index=True)
    source = Column(String(16), nullable=False)  # review, comment, message, chat
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    diagnosed_at = Column(UTCDateTime, index=True)
    category = Column(String(32))
    confidence = Column(Integer)  # per mille, 0-1000
    severity = Column(Integer)
    case_id = Column(ForeignKey("cases.id"), index=True)
    triage_note = Column(String(200))
    hurt_probability = Column(Integer)  # per mille, 0-1000
    decision = Column(String(8), index=True)  # contact, none, look (outreach.diagnosis.decisions.Decision)
    model_version = Column(String(32))  # the diagnosis model that read it
    language = Column(String(8))  # zh, or the language that sent it to a person
    looked_at = Column(UTCDateTime)  # a person decided a "look" feedback
    looked_by = Column(String(64))


class LabelledExample(Base):
    """A label a buyer or a person gave a text; the next model learns from it (`outreach model retrain`)."""

    __tablename__ = "labelled_examples"
    id = Column(Integer, primary_key=True, autoincrement=True)
    text = Column(Text, nullable=False)
    label = Column(String(32), nullable=False)
    source = Column(String(24), nullable=False)  # outreach.diagnosis.learned.LabelSource
    case_id = Column(ForeignKey("cases.id"))
    feedback_id = Column(ForeignKey("feedback.id"))
    staff = Column(String(64))  # who, when a person gave it
    model_version = Column(String(32))  # the model whose reading was confirmed or corrected
    model_label = Column(String(32))  # what that model had said
    idempotency_key = Column(String(200), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)


class Case(Base):
    __tablename__ = "cases"
    id = Column(Integer, primary_key=True, autoincrement=True)
    buyer_id = Column(ForeignKey("buyers.id"), nullable=False, index=True)
    order_id = Column(ForeignKey("orders.id"), nullable=False, index=True)
    # Set to the incident key while the case is open, NULL once closed: the unique
    # constraint then allows one open case per buyer and incident on any database.
    open_key = Column(String(160), unique=True)
    suspected_category = Column(String(32), nullable=False)
    category = Column(String(32), nullable=False)
    severity = Column(Integer, nullable=False)
    status = Column(String(16), nullable=False, default="new", index=True)  # outreach.lifecycle.states
    affected_quantity = Column(Integer)
    # Facts the platform knows beyond the order, for the rules (issue, overcharge_fen, ...;
    # docs/rules.md "Case facts"). NULL: none known.
    facts = Column(JSON)
    handover_reason = Column(String(300))
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    due_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    first_contact_at = Column(UTCDateTime)
    resolved_at = Column(UTCDateTime)
    closed_at = Column(UTCDateTime)
    closed_reason = Column(String(64))
    # The scheduler's latest decision: the channel chosen, or why the case is held back.
    channel = Column(String(16))  # inapp, call
    hold_reason = Column(String(300))
    # A worker sending the case to Rasa leases it; a dead worker's lease runs out.
    claimed_by = Column(String(64))
    claimed_until = Column(UTCDateTime)
    # Bumped by every status change (outreach.lifecycle.machine.move, a compare-and-set).
    version = Column(Integer, nullable=False, default=0, server_default="0")
    # The person who owns the case now (status claimed or pending_approval), a staff user name.
    agent = Column(String(64), index=True)
    agent_since = Column(UTCDateTime)
    handed_over_at = Column(UTCDateTime)  # when it last joined the agents' queue
    settled_by = Column(String(64))  # the person who settled it, if a person did (reopen rate)
    order = relationship("Order")
    buyer = relationship("Buyer")
    __table_args__ = (
        Index("ix_cases_status_due_at", "status", "due_at"),
        Index("ix_cases_created_at", "created_at"),  # metrics select cases by when they were flagged
    )


class CaseEvent(Base):
    """Audit trail: what happened to a case and why."""

    __tablename__ = "case_events"
    id = Column(Integer, primary_key=True, autoincrement=True)
    case_id = Column(ForeignKey("cases.id"), nullable=False, index=True)
    kind = Column(String(32), nullable=False)
    detail = Column(JSON, nullable=False, default=dict)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class Contact(Base):
    __tablename__ = "contacts"
    id = Column(Integer, primary_key=True, autoincrement=True)
    case_id = Column(ForeignKey("cases.id"), nullable=False, index=True)
    buyer_id = Column(ForeignKey("buyers.id"), nullable=False, index=True)
    channel = Column(String(16), nullable=False)  # inapp, call
    status = Column(String(16), nullable=False)  # accepted, failed; calls: an outcome (call_outcomes)
    detail = Column(String(500))
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    STATUS_ZH = {"accepted": "已送达", "failed": "发送失败", "reached": "已接通", "no_answer": "无人接听",
                 "wrong_number": "号码错误", "refused": "买家拒绝", "opted_out": "要求不再联系"}


class CallTask(Base):
    """The durable call queue for human agents: one row per call attempt of a case."""

    __tablename__ = "call_tasks"
    id = Column(Integer, primary_key=True, autoincrement=True)
    case_id = Column(ForeignKey("cases.id"), nullable=False, index=True)
    buyer_id = Column(ForeignKey("buyers.id"), nullable=False, index=True)
    attempt = Column(Integer, nullable=False)
    team = Column(String(32), nullable=False)
    priority = Column(Integer, nullable=False)  # higher first
    due_at = Column(UTCDateTime, nullable=False)  # inside the buyer's call window
    status = Column(String(16), nullable=False, default="queued")  # queued, claimed, done, cancelled
    reason = Column(String(300), nullable=False)
    agent = Column(String(64))
    claimed_at = Column(UTCDateTime)
    outcome = Column(String(16))  # reached, no_answer, wrong_number, refused, opted_out
    notes = Column(Text)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    done_at = Column(UTCDateTime)
    __table_args__ = (
        UniqueConstraint("case_id", "attempt", name="uq_call_tasks_case_attempt"),
        Index("ix_call_tasks_status_due_at", "status", "due_at"),
        CheckConstraint("attempt > 0", name="attempt_positive"),
    )


class Remedy(Base):
    """The remedy ledger: one row per executed or pending remedy, never updated in amount."""

    __tablename__ = "remedies"
    id = Column(Integer, primary_key=True, autoincrement=True)
    case_id = Column(ForeignKey("cases.id"), nullable=False, index=True)
    idempotency_key = Column(String(160), nullable=False, unique=True)
    rule_id = Column(String(64), nullable=False)
    kind = Column(String(32), nullable=False)
    amount_fen = Column(Integer, nullable=False, default=0)
    coupon_fen = Column(Integer, nullable=False, default=0)  # a coupon given with the remedy
    status = Column(String(16), nullable=False)  # executed, pending_approval, rejected (STATUS_ZH)
    STATUS_ZH = {"executed": "已执行", "pending_approval": "待主管审批", "approved": "已批准",
                 "rejected": "已驳回"}
    reason = Column(String(500), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    __table_args__ = (CheckConstraint("amount_fen >= 0", name="amount_nonnegative"),)


class Approval(Base):
    """The approval queue: a remedy a person must approve (above the cap, legal floor, risky buyer)."""

    __tablename__ = "approvals"
    id = Column(Integer, primary_key=True, autoincrement=True)
    case_id = Column(ForeignKey("cases.id"), nullable=False, index=True)
    remedy_id = Column(ForeignKey("remedies.id"), nullable=False, unique=True)
    reasons = Column(JSON, nullable=False, default=list)  # above_cap, verification, buyer_risk
    done_text = Column(Text, nullable=False)  # what the buyer is told once approved
    status = Column(String(16), nullable=False, default="pending", index=True)  # pending, approved, rejected
    requested_at = Column(UTCDateTime, nullable=False, default=utcnow)
    decided_at = Column(UTCDateTime)
    decided_by = Column(String(64))
    decision_reason = Column(String(500))


class Payment(Base):
    """A payout through the payment adapter: at most one per remedy, keyed like the remedy."""

    __tablename__ = "payments"
    id = Column(Integer, primary_key=True, autoincrement=True)
    remedy_id = Column(ForeignKey("remedies.id"), nullable=False, unique=True)
    case_id = Column(ForeignKey("cases.id"), nullable=False, index=True)
    idempotency_key = Column(String(160), nullable=False, unique=True)
    provider = Column(String(64), nullable=False)
    provider_ref = Column(String(200), nullable=False)
    rule_id = Column(String(64), nullable=False)
    amount_fen = Column(Integer, nullable=False)
    coupon_fen = Column(Integer, nullable=False, default=0)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    __table_args__ = (CheckConstraint("amount_fen >= 0", name="amount_nonnegative"),)


class Satisfaction(Base):
    __tablename__ = "satisfaction"
    id = Column(Integer, primary_key=True, autoincrement=True)
    case_id = Column(ForeignKey("cases.id"), nullable=False, unique=True)
    buyer_id = Column(ForeignKey("buyers.id"), nullable=False, index=True)
    rating = Column(Integer, nullable=False)
    comment = Column(Text)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    recommend = Column(Integer)  # 0-10 answer to the optional recommendation question (NPS)
    recommended_at = Column(UTCDateTime)
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("recommend IS NULL OR recommend BETWEEN 0 AND 10", name="recommend_range"),
    )


class OptOut(Base):
    __tablename__ = "opt_outs"
    id = Column(Integer, primary_key=True, autoincrement=True)
    buyer_id = Column(ForeignKey("buyers.id"), nullable=False, index=True)
    channel = Column(String(16), nullable=False, default="all")
    source_text = Column(Text)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at = Column(UTCDateTime)


class InboxMessage(Base):
    __tablename__ = "inbox_messages"
    id = Column(Integer, primary_key=True, autoincrement=True)
    buyer_id = Column(ForeignKey("buyers.id"), nullable=False)
    case_id = Column(ForeignKey("cases.id"), index=True)
    sender = Column(String(8), nullable=False)  # bot, buyer, system, agent
    author = Column(String(100))  # an agent's display name (sender agent)
    text = Column(Text, nullable=False)
    buttons = Column(JSON, nullable=False, default=list)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    read_at = Column(UTCDateTime)
    __table_args__ = (Index("ix_inbox_buyer_id_id", "buyer_id", "id"),)


class StaffUser(Base):
    """A support lead or agent who signs in to the dashboard."""

    __tablename__ = "staff_users"
    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(100), nullable=False)
    role = Column(String(16), nullable=False)  # lead, agent
    password_hash = Column(String(300), nullable=False)  # scrypt, see outreach.dashboard.passwords
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    disabled_at = Column(UTCDateTime)
    __table_args__ = (CheckConstraint("role IN ('lead', 'agent')", name="role_known"),)


class StaffSession(Base):
    """A signed-in browser: only the SHA-256 of its cookie is stored."""

    __tablename__ = "staff_sessions"
    id = Column(Integer, primary_key=True, autoincrement=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(ForeignKey("staff_users.id"), nullable=False, index=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)


class LoginFailure(Base):
    """Recent failed dashboard logins of one account name or one address (outreach.dashboard.throttle)."""

    __tablename__ = "login_failures"
    key = Column(String(200), primary_key=True)  # "account:<name>" or "address:<ip>"
    failures = Column(Integer, nullable=False)
    last_failure_at = Column(UTCDateTime, nullable=False)
    blocked_until = Column(UTCDateTime)  # no attempt is looked at before this
