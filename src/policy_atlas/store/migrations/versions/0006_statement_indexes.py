"""The index on `statements.subject` goes: `ix_statements_subject_prop_current` starts with the subject and serves
every query by subject, so the second B-tree only cost time on every insert (and space)."""
from alembic import op

revision = "0006_statement_indexes"
down_revision = "0005_build_files"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_statements_subject", table_name="statements")


def downgrade() -> None:
    op.create_index("ix_statements_subject", "statements", ["subject"])
