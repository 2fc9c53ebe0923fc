"""Curation's tables: accounts, proposals and their revisions, reviews, the append-only audit log, the texts of
uploaded sources, the entities and sources accepted proposals added, and curation settings (the session key)."""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003_curation"
down_revision = "0002_log_actor_current"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("accounts",
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("email", sa.String(320), nullable=False, unique=True),
                    sa.Column("password_hash", sa.Text, nullable=False),
                    sa.Column("role", sa.String(20)),
                    sa.Column("created_at", sa.String, nullable=False))
    op.create_table("proposals",
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("author_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True),
                    sa.Column("title", sa.Text, nullable=False),
                    sa.Column("status", sa.String(20), nullable=False, index=True),
                    sa.Column("revision", sa.Integer, nullable=False),
                    sa.Column("origin", sa.String(20), nullable=False),
                    sa.Column("created_at", sa.String, nullable=False),
                    sa.Column("updated_at", sa.String, nullable=False))
    op.create_table("proposal_revisions",
                    sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), primary_key=True),
                    sa.Column("revision", sa.Integer, primary_key=True),
                    sa.Column("document", sa.Text, nullable=False),
                    sa.Column("base", sa.Text, nullable=False),
                    sa.Column("created_at", sa.String, nullable=False))
    op.create_table("reviews",
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False, index=True),
                    sa.Column("revision", sa.Integer, nullable=False),
                    sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
                    sa.Column("decision", sa.String(20), nullable=False),
                    sa.Column("comment", sa.Text),
                    sa.Column("at", sa.String, nullable=False))
    op.create_table("audit_log",
                    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("at", sa.String, nullable=False, index=True),
                    sa.Column("actor", sa.String(320)),
                    sa.Column("action", sa.String(40), nullable=False),
                    sa.Column("target", sa.String(320)),
                    sa.Column("detail", sa.Text),
                    sa.Column("address", sa.String(64)))
    op.create_table("source_texts",
                    sa.Column("source_id", sa.String, primary_key=True),
                    sa.Column("text", sa.Text, nullable=False))
    op.create_table("curated_entities",
                    sa.Column("id", sa.String, primary_key=True),
                    sa.Column("type", sa.String, nullable=False),
                    sa.Column("proposal_id", sa.Integer, nullable=False))
    op.create_table("curated_sources",
                    sa.Column("id", sa.String, primary_key=True),
                    sa.Column("data", sa.Text, nullable=False),
                    sa.Column("proposal_id", sa.Integer, nullable=False))
    settings = op.create_table("curation_settings",
                               sa.Column("key", sa.String(40), primary_key=True),
                               sa.Column("value", sa.Text, nullable=False))
    # made here, once, so that two processes starting at once never race to create them
    op.bulk_insert(settings, [{"key": "session_secret", "value": secrets.token_urlsafe(48)},
                              {"key": "accepts", "value": "0"}])


def downgrade() -> None:
    raise NotImplementedError("the audit log and proposals are append-only; restore a backup instead of downgrading")
