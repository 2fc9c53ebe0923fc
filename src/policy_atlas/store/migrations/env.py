"""Alembic runs on the connection `store.migrate` hands it, inside that connection's transaction."""
from alembic import context

from policy_atlas.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
