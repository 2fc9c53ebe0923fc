"""A SQLite store's search tables (`0004_search`) go: since the search index of a SQLite store moved to a file of
its own beside it (`atlas-search.sqlite`, see `store/search.py`), nothing reads or writes them; they only held rows
derived from the statements (rewritten once per atlas version). PostgreSQL keeps its search tables in the store.
Downgrading makes them again, empty, as `0004_search` did (the next search fills the file beside the store)."""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0007_sqlite_search_tables"
down_revision = "0006_statement_indexes"
branch_labels = None
depends_on = None

FTS = ("search_names_fts", "search_docs_fts")  # first: their content tables are below
TABLES = ("search_governments", "search_regions", "search_names", "search_docs")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in FTS + TABLES:
        op.execute(f"DROP TABLE IF EXISTS {name}")
    op.execute(sa.text("DELETE FROM meta WHERE key = 'search_version'"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    spec = importlib.util.spec_from_file_location("search_0004", Path(__file__).with_name("0004_search.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.upgrade()
