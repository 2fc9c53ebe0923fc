"""Accounts: argon2id password hashes, one-time passwords, roles that can be withdrawn, never deleted."""
from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from ..store import curation as tables
from .roles import ROLES

EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$")
HASHER = PasswordHasher()  # argon2id with the library's current parameters
_DUMMY = HASHER.hash("not a password")


class AccountError(ValueError):
    pass


def _check_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise AccountError(f"email: not an e-mail address: {email!r}")
    return email


def _check_role(role: str | None) -> str | None:
    if role is not None and role not in ROLES:
        raise AccountError(f"role: one of {', '.join(ROLES)}, not {role!r}")
    return role


def add(conn: Connection, email: str, role: str, *, actor: str = "cli") -> str:
    """Create an account and return its one-time password (shown once, stored only as a hash)."""
    email, role = _check_email(email), _check_role(role)
    if by_email(conn, email):
        raise AccountError(f"email: an account {email} exists already (accounts are never deleted)")
    password = secrets.token_urlsafe(15)
    conn.execute(tables.accounts.insert().values(email=email, password_hash=HASHER.hash(password), role=role,
                                                 created_at=tables.now()))
    tables.record(conn, "account_add", actor=actor, target=email, detail={"role": role})
    return password


def set_role(conn: Connection, email: str, role: str | None, *, actor: str) -> None:
    """Give or withdraw (None) a role. The account and everything it did stay."""
    email, role = _check_email(email), _check_role(role)
    account = by_email(conn, email)
    if account is None:
        raise AccountError(f"email: no account {email}")
    conn.execute(update(tables.accounts).where(tables.accounts.c.id == account["id"]).values(role=role))
    tables.record(conn, "role_change", actor=actor, target=email, detail={"from": account["role"], "to": role})


def reset_password(conn: Connection, email: str, *, actor: str) -> str:
    account = by_email(conn, _check_email(email))
    if account is None:
        raise AccountError(f"email: no account {email}")
    password = secrets.token_urlsafe(15)
    conn.execute(update(tables.accounts).where(tables.accounts.c.id == account["id"])
                 .values(password_hash=HASHER.hash(password)))
    tables.record(conn, "password_reset", actor=actor, target=account["email"])
    return password


def by_email(conn: Connection, email: str) -> dict | None:
    row = conn.execute(select(tables.accounts).where(tables.accounts.c.email == email.strip().lower())).mappings().first()
    return dict(row) if row else None


def by_id(conn: Connection, account_id: int) -> dict | None:
    row = conn.execute(select(tables.accounts).where(tables.accounts.c.id == account_id)).mappings().first()
    return dict(row) if row else None


def listing(conn: Connection) -> list[dict]:
    return [dict(r) for r in conn.execute(select(tables.accounts.c.id, tables.accounts.c.email, tables.accounts.c.role,
                                                 tables.accounts.c.created_at).order_by(tables.accounts.c.email)).mappings()]


def authenticate(conn: Connection, email: str, password: str, *, address: str | None = None) -> dict | None:
    """The account when the password is right (audited either way). Unknown e-mails cost the same hash time."""
    account = by_email(conn, email) if len(email) <= 320 else None
    try:
        HASHER.verify(account["password_hash"] if account else _DUMMY, password)
        ok = account is not None
    except (VerificationError, InvalidHashError):
        ok = False
    tables.record(conn, "login" if ok else "login_failed", actor=email.strip().lower()[:320], address=address)
    if ok and HASHER.check_needs_rehash(account["password_hash"]):
        conn.execute(update(tables.accounts).where(tables.accounts.c.id == account["id"])
                     .values(password_hash=HASHER.hash(password)))
    return account if ok else None
