"""Accounts from the command line: no default account, a one-time password printed once and stored as an
argon2id hash, roles given and withdrawn, accounts never deleted."""
from sqlalchemy import func, select

from policy_atlas import store
from policy_atlas.curation import accounts
from policy_atlas.store import curation as tables

from conftest import cli


def test_no_default_account_and_the_first_admin(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    assert cli("db", "upgrade", "--db", url).returncode == 0
    with store.connect(url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.accounts)).scalar() == 0
    made = cli("user", "add", "Boss@Example.org", "--role", "admin", "--db", url)
    assert made.returncode == 0 and "one-time password" in made.stderr
    password = made.stdout.strip()
    assert len(password) >= 16 and "\n" not in password
    with store.connect(url).connect() as conn:
        account = accounts.by_email(conn, "boss@example.org")
        assert account["role"] == "admin" and account["password_hash"].startswith("$argon2id$")
        assert password not in account["password_hash"]
        assert accounts.authenticate(conn, "boss@example.org", password)["id"] == account["id"]
        assert accounts.authenticate(conn, "boss@example.org", password + "x") is None
    again = cli("user", "add", "boss@example.org", "--role", "reviewer", "--db", url)
    assert again.returncode == 1 and "exists already" in again.stderr
    bad = cli("user", "add", "not-an-email", "--role", "root", "--db", url)
    assert bad.returncode == 1 and "email:" in bad.stderr
    assert cli("user", "add", "x@example.org", "--role", "root", "--db", url).stderr.count("role:") == 1
    assert cli("user", "role", "boss@example.org", "none", "--db", url).returncode == 0
    listed = cli("user", "list", "--db", url).stdout
    assert "boss@example.org\tnone" in listed  # withdrawn, not deleted
    with store.connect(url).connect() as conn:
        actions = [r for r in conn.execute(select(tables.audit_log.c.action, tables.audit_log.c.target))]
    assert ("account_add", "boss@example.org") in actions and ("role_change", "boss@example.org") in actions
