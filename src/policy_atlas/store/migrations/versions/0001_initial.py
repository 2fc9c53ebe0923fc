"""The schema before Alembic (store schema version 1), exactly as `metadata.create_all` made it then."""
import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

CURRENT_VIEW = """
CREATE VIEW current_statements AS
SELECT s.* FROM statements s
JOIN (SELECT statement_id, MAX(seq) AS seq FROM statement_log GROUP BY statement_id) last
  ON last.statement_id = s.id
JOIN statement_log l ON l.seq = last.seq
WHERE l.action = 'add'
"""


def upgrade() -> None:
    op.create_table("builds",
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("started_at", sa.String, nullable=False),
                    sa.Column("finished_at", sa.String),
                    sa.Column("added", sa.Integer, nullable=False),
                    sa.Column("retracted", sa.Integer, nullable=False),
                    sa.Column("dataset", sa.Text))
    op.create_table("entities",
                    sa.Column("id", sa.String, primary_key=True),
                    sa.Column("type", sa.String, nullable=False))
    op.create_index("ix_entities_type", "entities", ["type"])
    op.create_table("sources",
                    sa.Column("id", sa.String, primary_key=True),
                    sa.Column("data", sa.Text, nullable=False))
    op.create_table("statements",
                    sa.Column("id", sa.String, primary_key=True),
                    sa.Column("subject", sa.String, nullable=False),
                    sa.Column("prop", sa.String, nullable=False),
                    sa.Column("value", sa.Text, nullable=False),
                    sa.Column("value_type", sa.String, nullable=False),
                    sa.Column("lang", sa.String),
                    sa.Column("valid_from", sa.String),
                    sa.Column("valid_to", sa.String),
                    sa.Column("source", sa.String, nullable=False),
                    sa.Column("locator", sa.String),
                    sa.Column("quote", sa.Text),
                    sa.Column("rank", sa.String, nullable=False),
                    sa.Column("note", sa.Text),
                    sa.Column("origin", sa.String))
    op.create_index("ix_statements_subject", "statements", ["subject"])
    op.create_table("statement_log",
                    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("statement_id", sa.String, nullable=False),
                    sa.Column("action", sa.String, nullable=False),
                    sa.Column("build_id", sa.Integer, nullable=False),
                    sa.Column("at", sa.String, nullable=False))
    op.create_index("ix_statement_log_statement_id", "statement_log", ["statement_id"])
    op.create_table("meta",
                    sa.Column("key", sa.String, primary_key=True),
                    sa.Column("value", sa.Text, nullable=False))
    op.execute(CURRENT_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW current_statements")
    for table in ("meta", "statement_log", "statements", "sources", "entities", "builds"):
        op.drop_table(table)
