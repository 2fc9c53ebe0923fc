"""Per-file build state (`store/files.py`): what each file of the last built dataset folder gave the build."""
import sqlalchemy as sa
from alembic import op

revision = "0005_build_files"
down_revision = "0004_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("build_files",
                    sa.Column("path", sa.String, primary_key=True),
                    sa.Column("hash", sa.String, nullable=False),
                    sa.Column("state", sa.Text, nullable=False))


def downgrade() -> None:
    op.drop_table("build_files")
