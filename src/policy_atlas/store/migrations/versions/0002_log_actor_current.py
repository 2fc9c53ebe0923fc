"""The log says who changed what and why (`actor`, `proposal_id`, `reason`; `build_id` optional, since an
accepted proposal is not a build); statements carry a materialised `current` flag, filled from the log, with
indexes for per-subject and per-object reads. The `current_statements` view goes."""
import sqlalchemy as sa
from alembic import op

revision = "0002_log_actor_current"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP VIEW IF EXISTS current_statements")
    with op.batch_alter_table("statement_log") as batch:
        batch.alter_column("build_id", existing_type=sa.Integer, nullable=True)
        batch.add_column(sa.Column("actor", sa.Text))
        batch.add_column(sa.Column("proposal_id", sa.Integer))
        batch.add_column(sa.Column("reason", sa.Text))
    op.add_column("statements", sa.Column("current", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute(sa.text("""
        UPDATE statements SET "current" = :yes WHERE id IN (
          SELECT l.statement_id FROM statement_log l
          JOIN (SELECT statement_id, MAX(seq) AS seq FROM statement_log GROUP BY statement_id) last
            ON last.seq = l.seq
          WHERE l.action = 'add')""").bindparams(yes=True))
    op.create_index("ix_statements_subject_prop_current", "statements", ["subject", "prop", "current"])
    op.create_index("ix_statements_entity_value", "statements", ["value"],
                    sqlite_where=sa.text("value_type = 'entity'"), postgresql_where=sa.text("value_type = 'entity'"))
    version = sa.table("meta", sa.column("key"), sa.column("value"))
    op.execute(version.delete().where(version.c.key.in_(["schema_version", "atlas_version"])))
    op.bulk_insert(version, [{"key": "schema_version", "value": "2"}, {"key": "atlas_version", "value": "1"}])


def downgrade() -> None:
    raise NotImplementedError("the statement log is append-only; restore a backup instead of downgrading")
