"""Search in the database: one row per searchable entity (folded words, type, tier, years, sort key), one per
name, entity→region and entity→government side tables, and full-text indexes (SQLite FTS5 tables; PostgreSQL
generated `to_tsvector('simple', …)` columns with GIN indexes). Filled by the app once per atlas version."""
import sqlalchemy as sa
from alembic import op

revision = "0004_search"
down_revision = "0003_curation"
branch_labels = None
depends_on = None

SQLITE = [
    "CREATE VIRTUAL TABLE search_docs_fts USING fts5(words, content='search_docs', content_rowid='doc', "
    "prefix='2 3', tokenize='unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE search_names_fts USING fts5(name, content='search_names', content_rowid='id', "
    "prefix='2 3', tokenize='unicode61 remove_diacritics 0')",
]
POSTGRESQL = [
    "ALTER TABLE search_docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', words)) STORED",
    "CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)",
    "ALTER TABLE search_names ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', name)) STORED",
    "CREATE INDEX ix_search_names_tsv ON search_names USING gin (tsv)",
]


def upgrade() -> None:
    op.create_table("search_docs",
                    sa.Column("doc", sa.Integer, primary_key=True, autoincrement=False),
                    sa.Column("eid", sa.String, nullable=False, unique=True),
                    sa.Column("type", sa.String, nullable=False),
                    sa.Column("tier", sa.String, nullable=False),
                    sa.Column("start_year", sa.Integer),
                    sa.Column("end_year", sa.Integer),
                    sa.Column("sort_key", sa.Text, nullable=False),
                    sa.Column("regions", sa.Text, nullable=False),
                    sa.Column("governments", sa.Text, nullable=False),
                    sa.Column("words", sa.Text, nullable=False))
    op.create_index("ix_search_docs_type", "search_docs", ["type"])
    op.create_index("ix_search_docs_sort", "search_docs", ["sort_key", "eid"])
    op.create_table("search_names",
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                    sa.Column("doc", sa.Integer, nullable=False),
                    sa.Column("name", sa.Text, nullable=False))
    op.create_index("ix_search_names_doc", "search_names", ["doc"])
    op.create_index("ix_search_names_name", "search_names", ["name"])
    op.create_table("search_regions",
                    sa.Column("region", sa.String, primary_key=True),
                    sa.Column("doc", sa.Integer, primary_key=True))
    op.create_table("search_governments",
                    sa.Column("government", sa.String, primary_key=True),
                    sa.Column("doc", sa.Integer, primary_key=True))
    for ddl in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_names_fts")
        op.execute("DROP TABLE search_docs_fts")
    for name in ("search_governments", "search_regions", "search_names", "search_docs"):
        op.drop_table(name)
    op.execute(sa.text("DELETE FROM meta WHERE key = 'search_version'"))
