"""Per-file build state: for each file of the dataset folder last built, its content hash and what it gave the
build (`dataset.FileState`), so that the next build reads only what changed. Created by `0005_build_files`.

The state belongs to one build: the meta row `build_files` names it with the fingerprint and source-text stamps
the files were checked with. A build from a dataset made in memory clears it (the next folder build reads all)."""
from __future__ import annotations

import json
from sqlalchemy import Column, String, Table, Text, inspect, select
from sqlalchemy.engine import Connection, Engine

from ..dataset import Dataset, FileState, Previous
from .schema import meta, metadata

build_files = Table(
    "build_files", metadata,
    Column("path", String, primary_key=True),  # relative to the dataset folder: sources.yaml, KIND/NAME.yaml
    Column("hash", String, nullable=False),
    Column("state", Text, nullable=False),  # JSON of dataset.FileState
)
HEAD = "build_files"


class StaleState(RuntimeError):
    """The database changed between reading the file state and writing the build (another build ran)."""


def previous(engine: Engine) -> Previous | None:
    """The state of the last build from a dataset folder, or None (no such build, or an older database)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(build_files.name):
            return None
        head = conn.execute(select(meta.c.value).where(meta.c.key == HEAD)).scalar()
        if head is None:
            return None
        head = json.loads(head)
        files = {path: FileState(**json.loads(state))
                 for path, state in conn.execute(select(build_files.c.path, build_files.c.state))}
    return Previous(head["fingerprint"], head["texts"], files, head["build"])


def record(conn: Connection, ds: Dataset, build_id: int) -> None:
    """Inside the build's transaction: check that the state `ds` extends is still the stored one, then store
    the state of the files `ds` read (all of them for a full read) and drop that of removed files."""
    head = conn.execute(select(meta.c.value).where(meta.c.key == HEAD)).scalar()
    if ds.base is not None and (head is None or json.loads(head)["build"] != ds.base):
        raise StaleState("the database was built again while the dataset was read: run the build again")
    if ds.files is None or ds.base is None:
        conn.execute(build_files.delete())
    conn.execute(meta.delete().where(meta.c.key == HEAD))
    if ds.files is None:
        return
    if ds.base is not None:
        stored = set(conn.execute(select(build_files.c.path)).scalars())
        gone = sorted((stored - set(ds.files)) | (stored & set(ds.reread)))
        for i in range(0, len(gone), 500):
            conn.execute(build_files.delete().where(build_files.c.path.in_(gone[i:i + 500])))
    rows = [{"path": rel, "hash": ds.files[rel].hash,
             "state": json.dumps(vars(ds.files[rel]), ensure_ascii=False, default=str)} for rel in ds.reread]
    for i in range(0, len(rows), 200):
        conn.execute(build_files.insert(), rows[i:i + 200])
    conn.execute(meta.insert().values(key=HEAD, value=json.dumps(
        {"fingerprint": ds.fingerprint, "texts": ds.texts, "build": build_id})))
