"""The database: one place for SQL. Statements are content-addressed; the statement log is append-only
(`add`/`retract` rows from builds and accepted proposals); a materialised `current` flag marks what holds now.

- `schema`: the tables on one `metadata`; `migrations/` (Alembic) brings any database to that shape;
- `engine`: the database URL, connecting, masking a URL's password;
- `write`: `append` (the one way current statements change) and `build` (a dataset in one transaction);
- `files`: the per-file state of the last build from a dataset folder (`previous_files`), for incremental builds;
- `read`: `snapshot`, `history`, `version` and the build look-ups;
- `backup`: online backups and restores for SQLite and PostgreSQL."""
from .engine import connect, database_url, masked
from .files import StaleState, previous as previous_files
from .migrate import UnknownRevision, head, upgrade
from .read import Snapshot, changed_at, has_build, history, latest_build_id, snapshot, version
from .schema import SCHEMA_VERSION, builds, entities, meta, metadata, sources, statement_log, statements
from .write import append, build

__all__ = ["connect", "database_url", "masked", "UnknownRevision", "head", "upgrade", "Snapshot", "changed_at", "has_build",
           "history", "latest_build_id", "snapshot", "version", "SCHEMA_VERSION", "builds", "entities", "meta",
           "metadata", "sources", "statement_log", "statements", "append", "build", "StaleState", "previous_files"]
