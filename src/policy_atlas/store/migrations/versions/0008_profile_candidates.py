"""The profile's candidates (`store/candidates.py`): the statements pointing to governments and municipalities with
what decides when and where each applies, kept by `append` from now on and written here for the current statements
of a store made before. Downgrading drops the table (it holds nothing that the statements do not say)."""
import sqlalchemy as sa
from alembic import op

revision = "0008_profile_candidates"
down_revision = "0007_sqlite_search_tables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profile_candidates",
        sa.Column("statement_id", sa.String, primary_key=True),
        sa.Column("target", sa.String, nullable=False),
        sa.Column("prop", sa.String, nullable=False),
        sa.Column("subject", sa.String, nullable=False),
        sa.Column("first_day", sa.String, nullable=False),
        sa.Column("last_day", sa.String, nullable=False),
        sa.Column("area", sa.String),
        sa.Column("named", sa.Boolean, nullable=False),
        sa.Column("names", sa.Text, nullable=False),
    )
    op.create_index("ix_profile_candidates_subject", "profile_candidates", ["subject"])
    op.create_index("ix_profile_candidates_target_prop", "profile_candidates", ["target", "prop"])
    from policy_atlas.store.write import refresh_candidates

    refresh_candidates(op.get_bind())


def downgrade() -> None:
    op.drop_table("profile_candidates")
