"""Staff accounts and their sessions. Passwords are hashed with scrypt (standard library);
a session cookie is a random token of which only the SHA-256 is stored, and it expires.
Failed logins are slowed down per name and per address (outreach.dashboard.throttle)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from outreach.dashboard.throttle import count_attempt, count_success
from outreach.store.db import retry_transient, session_scope
from outreach.store.models import StaffSession, StaffUser
from outreach.store.types import utcnow

ROLES = ("lead", "agent")
ROLE_ZH = {"lead": "客服主管", "agent": "客服专员"}
SESSION_HOURS = 8
MIN_PASSWORD_CHARS = 10
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_USERNAME = re.compile(r"[A-Za-z0-9_.-]{2,64}")


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class StaffMember:
    id: int
    username: str
    display_name: str
    role: str
    # Signed in: the session's form token, which every POST form of its pages carries and
    # every POST must bring back (a page of another site cannot read it: CSRF).
    form_token: str = ""


def _encoded(salt: bytes, digest: bytes) -> str:
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    return _encoded(salt, hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT))


# Checked against when the name is unknown or disabled: one scrypt run with the same work
# factor as a real hash, so a refusal takes as long whether or not the name exists. No
# password's digest is 32 zero bytes, and the user is refused anyway.
_NOBODY = _encoded(bytes(16), bytes(32))


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        given = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), dklen=len(expected),
                               n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(given, expected)


def new_password() -> str:
    return secrets.token_urlsafe(12)


def add_user(username: str, role: str, password: str, display_name: str | None = None) -> StaffMember:
    if not _USERNAME.fullmatch(username):
        raise AccountError(f"username {username!r}: use 2-64 letters, digits, '_', '.' or '-'")
    if role not in ROLES:
        raise AccountError(f"role {role!r}: use one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"password: use at least {MIN_PASSWORD_CHARS} characters")
    try:
        with session_scope() as session:
            user = StaffUser(username=username, role=role, password_hash=hash_password(password),
                             display_name=display_name or username)
            session.add(user)
            session.flush()
            return _member(user)
    except IntegrityError:
        raise AccountError(f"username {username!r} exists already; choose another") from None


def _member(user: StaffUser) -> StaffMember:
    return StaffMember(id=user.id, username=user.username, display_name=user.display_name, role=user.role)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _attempt(username: str, address: str, now: datetime) -> tuple[StaffMember | None, str]:
    """Counts the attempt (committed before the password is checked) and finds the account:
    its member and password hash, or None and a stand-in hash."""
    with session_scope() as session:
        count_attempt(session, username, address, now)
        user = None
        if _USERNAME.fullmatch(username):  # no account has another name: not worth a query (NUL breaks one)
            user = session.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        if user is None or user.disabled_at is not None:
            return None, _NOBODY
        return _member(user), user.password_hash


def log_in(username: str, password: str, address: str, now: datetime | None = None
           ) -> tuple[str, StaffMember] | None:
    """A new session token for the right password, else None (the same answer, after the same
    work, for an unknown or disabled name). TooManyAttempts while the name or the address
    must wait after too many failures."""
    now = now or utcnow()
    username = username[:64]
    member, stored = retry_transient(_attempt, username, address, now)
    if not verify_password(password, stored) or member is None:
        return None
    with session_scope() as session:
        count_success(session, username, address, now)
        token = secrets.token_urlsafe(32)
        session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
        session.add(StaffSession(token_hash=_token_hash(token), user_id=member.id, created_at=now,
                                 expires_at=now + timedelta(hours=SESSION_HOURS)))
        return token, member


def form_token(session_token: str) -> str:
    """The form token of a session: derived from its cookie, which only the browser holds."""
    return hmac.new(session_token.encode("utf-8"), b"outreach dashboard form", hashlib.sha256).hexdigest()


def session_member(token: str, now: datetime | None = None) -> StaffMember | None:
    """The staff member a live session belongs to (with the session's form token), or None
    when unknown or expired."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    with session_scope() as session:
        row = session.execute(
            select(StaffUser).join(StaffSession, StaffSession.user_id == StaffUser.id)
            .where(StaffSession.token_hash == _token_hash(token), StaffSession.expires_at > now,
                   StaffUser.disabled_at.is_(None))
        ).scalar_one_or_none()
        return replace(_member(row), form_token=form_token(token)) if row is not None else None


def log_out(token: str) -> None:
    with session_scope() as session:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
