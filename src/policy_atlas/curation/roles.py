"""Roles and what each may do. Roles are cumulative: a reviewer also proposes, an admin also reviews."""
from __future__ import annotations

ROLES = ("contributor", "reviewer", "admin")
ACTIONS = {
    "propose": "contributor",  # make, revise and withdraw one's own proposals
    "review": "reviewer",  # read the queue, accept / reject / ask for changes on others' proposals
    "manage": "admin",  # accounts and roles
    "audit": "admin",  # read and export the audit log
}


class Forbidden(PermissionError):
    """The account may not do this (HTTP 403)."""


def can(role: str | None, action: str) -> bool:
    needed = ACTIONS[action]
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def require(account: dict | None, action: str) -> dict:
    if account is None or not can(account.get("role"), action):
        raise Forbidden(f"{action}: needs the role {ACTIONS[action]}")
    return account
