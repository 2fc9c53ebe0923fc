"""Rate limits shared by every process on one database (`web/limits.py`): the hits of the log-in and upload
buckets, under a keyed hash of bucket and client address, each kept only for its window."""
import sqlalchemy as sa
from alembic import op

revision = "0009_rate_hits"
down_revision = "0008_profile_candidates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("rate_hits",
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("key", sa.String, nullable=False),
                    sa.Column("at", sa.Float, nullable=False))
    op.create_index("ix_rate_hits_key", "rate_hits", ["key"])


def downgrade() -> None:
    op.drop_table("rate_hits")
