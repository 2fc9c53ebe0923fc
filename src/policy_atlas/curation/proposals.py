"""Proposals: a document in the dataset format (plus `retract` and `rerank`), checked by the dataset's own rules
against the atlas as it stands, reviewed by a second pair of eyes and applied in one transaction.

A document holds: `title` (why), `sources` (new sources), `entities` (new entities with labels and statements),
`facts` (statements about existing entities, `s:` the subject), `retract` ([{id, note}] current statements to
withdraw), `rerank` ([{id, rank}]), and `texts` ({source id: extracted text} for uploaded documents, so their
quotes are checked word for word). A correction is a retract plus a fact."""
from __future__ import annotations

import copy
import hashlib
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from .. import dataset, store
from .. import sources as srcs
from ..model import RANKS, FuzzyDate, ModelError, Statement, load_schema
from ..store import curation as tables
from .roles import Forbidden, require

DOC_KEYS = {"title", "source", "lang", "sources", "entities", "facts", "retract", "rerank", "texts", dataset.LINE_KEY}
SOURCE_FIELDS = ("id", "kind", "title", "publisher", "published", "language", "retrieved")
SOURCE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,80}$")
STATUSES = ("open", "changes_requested", "accepted", "rejected", "withdrawn")
# which field of a record a dataset message is about (first match wins; the rest are about the value)
FIELD_HINTS = [("unknown source", "src"), ("verbatim quote", "q"), ("quote not found", "q"), ("footnote", "fn"),
               ("needs a locator", "loc"), ("unknown language", "lang"), ("rank must be", "rank"),
               ("is after valid_to", "to"), ("has no property", "p"), ("unknown entity type", "type"),
               ("labels need", "labels"), ("entity id", "id"), ("unknown subject", "s"), ("needs `s:`", "s"),
               ("unknown statement field", "p"), ("unknown entity field", "id"), ("source needs a unique id", "id"),
               ("at least p", "p")]
CONTRADICTING_TYPES = ("date", "integer", "amount", "enum")


class ProposalError(ValueError):
    def __init__(self, problems: list[dict]):
        self.problems = problems
        super().__init__("; ".join(f"{p['where']}.{p['field']}: {p['message']}" for p in problems))


class Conflict(RuntimeError):
    """Someone decided on this proposal (or revised it) in the meantime (HTTP 409)."""


class Stale(RuntimeError):
    """An entity the proposal touches changed since it was proposed: rebase before review (HTTP 409)."""

    def __init__(self, subjects: list[str]):
        self.subjects = subjects
        super().__init__("stale: changed since proposed: " + ", ".join(subjects))


@dataclass
class Checked:
    adds: list[Statement] = field(default_factory=list)
    retracts: list[str] = field(default_factory=list)
    entities: dict[str, str] = field(default_factory=dict)  # new entity id -> type
    sources: dict[str, dict] = field(default_factory=dict)  # new source id -> record
    problems: list[dict] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)

    def problem(self, where: str, field_name: str, message: str) -> None:
        self.problems.append({"where": where, "field": field_name, "message": message})


def _field_of(message: str) -> str:
    if message.startswith("source "):  # a source record's problem names its field
        return next((w for w in re.findall(r"[a-z_]+", message.split(": ", 1)[-1]) if w in srcs.FIELDS), "id")
    return next((f for hint, f in FIELD_HINTS if hint in message), "v")


def _text_file(text: str) -> str:
    """An uploaded document's text as a file, so the dataset's quote check reads it like any held text."""
    folder = Path(tempfile.gettempdir()) / "policy-atlas-texts"
    folder.mkdir(exist_ok=True)
    path = folder / (hashlib.sha256(text.encode()).hexdigest()[:24] + ".txt")
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    return str(path)


def registries(conn: Connection) -> tuple[dict[str, str], dict[str, dict]]:
    ents = dict(conn.execute(select(store.entities.c.id, store.entities.c.type)).all())
    srcs = {k: json.loads(v) for k, v in conn.execute(select(store.sources.c.id, store.sources.c.data)).all()}
    return ents, srcs


def current_rows(conn: Connection, ids: list[str]) -> dict[str, Statement]:
    if not ids:
        return {}
    rows = conn.execute(select(store.statements).where(store.statements.c.id.in_(ids), store.statements.c.current))
    return {r.id: stored(r) for r in rows}


def stored(row) -> Statement:
    return Statement.from_text(**{k: v for k, v in row._mapping.items() if k not in ("id", "current")})


def check(conn: Connection, doc: dict, *, origin: str | None = None) -> Checked:
    """Everything `validate` checks, plus what a proposal needs: a title, a source on every statement, complete
    new sources, current statements to retract or rerank, and something to change."""
    out = Checked()
    if not isinstance(doc, dict):
        out.problem("document", "document", "a proposal is a mapping (title, sources, entities, facts, retract, rerank)")
        return out
    for key in set(doc) - DOC_KEYS:
        out.problem("document", key, f"unknown key {key!r}")
    title = doc.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 300:
        out.problem("document", "title", "say in a line (at most 300 characters) what the proposal changes and why")
    entities, sources = registries(conn)
    texts = doc.get("texts") or {}
    checked_doc = copy.deepcopy({k: v for k, v in doc.items() if k in ("sources", "entities", "facts", "lang")})
    checked_doc["source"] = doc.get("source")
    def where(name: str, rec) -> str:
        line = rec.get(dataset.LINE_KEY) if origin and isinstance(rec, dict) else None
        return f"{origin}:{line}" if line else name

    for i, src in enumerate(checked_doc.get("sources") or []):
        _check_new_source(out, where(f"sources[{i}]", src), src)
        if isinstance(src, dict) and isinstance(texts.get(src.get("id")), str):
            src["path"] = _text_file(texts[src["id"]])
    records = [(f"entities[{i}].statements[{j}]", st) for i, e in enumerate(checked_doc.get("entities") or [])
               if isinstance(e, dict) for j, st in enumerate(e.get("statements") or [])]
    records += [(f"facts[{i}]", st) for i, st in enumerate(checked_doc.get("facts") or [])]
    for name, st in records:
        _precheck_statement(out, where(name, st), st, doc.get("source"))
    prechecked = {(p["where"], p["field"]) for p in out.problems}
    ds = dataset.check_document(checked_doc, entities, sources, origin=origin)
    for p in ds.problems:
        place = p.origin.split(":")[0] if not origin else p.origin
        message = p.message.split(": ", 1)[1] if re.match(r"^[\w/.-]+\.\w+: ", p.message) else p.message
        name = _field_of(p.message)
        dates = "date" in message and {(place, "from"), (place, "to")} & prechecked
        if (place, name) in prechecked or dates:
            continue
        out.problem(place, name, message)
    out.entities = {e.id: e.type for e in ds.entities.values()}
    out.sources = {sid: {k: v for k, v in rec.items() if k != "path" or sid not in texts}
                   for sid, rec in ds.sources.items() if sid not in sources}
    out.adds = list(ds.statements)
    _check_retracts(conn, out, doc)
    current = current_rows(conn, [st.id for st in out.adds])
    for st in out.adds:
        if st.id in current:
            out.problem(st.origin or "facts", "v", f"{st.subject}.{st.prop} = {st.value!r} is already in the atlas")
    if not out.adds and not out.retracts and not out.problems:
        out.problem("document", "facts", "the proposal changes nothing")
    out.subjects = sorted({st.subject for st in out.adds} | set(out.entities)
                          | {s.subject for s in current_rows(conn, out.retracts).values()})
    return out


def _check_new_source(out: Checked, where: str, src) -> None:
    """What a proposal's new source needs besides the dataset's rules for its kind (those run afterwards)."""
    if not isinstance(src, dict):
        out.problem(where, "id", "a source is a mapping")
        return
    for key in SOURCE_FIELDS:
        if not str(src.get(key) or "").strip():
            out.problem(where, key, f"a new source needs {key}")
    if src.get("id") and not SOURCE_ID_RE.match(str(src["id"])):
        out.problem(where, "id", "lower case letters, digits, . _ - (2 to 81 characters)")
    if not any(src.get(k) for k in ("url", "numac", "eli")):
        out.problem(where, "url", "a new source needs a URL or a legal reference (numac or eli)")


def _precheck_statement(out: Checked, where: str, st, default_source) -> None:
    if not isinstance(st, dict):
        return
    if not (st.get("src") or default_source):
        out.problem(where, "src", "every statement needs a source (src:)")
    for key in ("from", "to"):
        if st.get(key) not in (None, ""):
            try:
                FuzzyDate.parse(st[key])
            except ModelError as exc:
                out.problem(where, key, str(exc))


def _check_retracts(conn: Connection, out: Checked, doc: dict) -> None:
    retracts, reranks = doc.get("retract") or [], doc.get("rerank") or []
    ids = [r.get("id") for r in [*retracts, *reranks] if isinstance(r, dict) and isinstance(r.get("id"), str)]
    current = current_rows(conn, ids)
    for i, r in enumerate(retracts):
        if not isinstance(r, dict) or r.get("id") not in current:
            out.problem(f"retract[{i}]", "id", f"{(r or {}).get('id') if isinstance(r, dict) else r!r} is not a "
                                               "current statement of the atlas")
            continue
        out.retracts.append(r["id"])
    for i, r in enumerate(reranks):
        if not isinstance(r, dict) or r.get("id") not in current:
            out.problem(f"rerank[{i}]", "id", "not a current statement of the atlas")
            continue
        old = current[r["id"]]
        if r.get("rank") not in RANKS or r["rank"] == old.rank:
            out.problem(f"rerank[{i}]", "rank", f"one of {', '.join(x for x in RANKS if x != old.rank)}")
            continue
        data = {k: getattr(old, k) for k in Statement.__dataclass_fields__}
        out.retracts.append(old.id)
        out.adds.append(Statement(**{**data, "rank": r["rank"], "note": r.get("note") or old.note}))


def fingerprint(conn: Connection, subject: str) -> str:
    ids = sorted(conn.execute(select(store.statements.c.id).where(store.statements.c.subject == subject,
                                                                  store.statements.c.current)).scalars())
    return hashlib.sha1(",".join(ids).encode()).hexdigest()[:16]


def stale_subjects(conn: Connection, base: dict[str, str]) -> list[str]:
    return [s for s, fp in sorted(base.items()) if fingerprint(conn, s) != fp]


# --- lifecycle -----------------------------------------------------------------------------------------------

def create(engine: Engine, author: dict, doc: dict, *, origin: str = "web", address: str | None = None,
           file_origin: str | None = None) -> int:
    require(author, "propose")
    with engine.begin() as conn:
        checked = check(conn, doc, origin=file_origin)
        if checked.problems:
            raise ProposalError(checked.problems)
        at = tables.now()
        pid = conn.execute(tables.proposals.insert().values(
            author_id=author["id"], title=doc["title"].strip(), status="open", revision=1, origin=origin,
            created_at=at, updated_at=at)).inserted_primary_key[0]
        _add_revision(conn, pid, 1, doc, checked, at)
        tables.record(conn, "propose", actor=author["email"], target=f"proposal {pid}", address=address,
                      detail={"title": doc["title"], "adds": len(checked.adds), "retracts": len(checked.retracts)})
    return pid


def _add_revision(conn: Connection, pid: int, revision: int, doc: dict, checked: Checked, at: str) -> None:
    base = {s: fingerprint(conn, s) for s in checked.subjects}
    conn.execute(tables.proposal_revisions.insert().values(
        proposal_id=pid, revision=revision, document=json.dumps(_plain(doc), ensure_ascii=False),
        base=json.dumps(base), created_at=at))


def _plain(doc):
    """The document without the YAML loader's line keys."""
    if isinstance(doc, dict):
        return {k: _plain(v) for k, v in doc.items() if k != dataset.LINE_KEY}
    if isinstance(doc, list):
        return [_plain(v) for v in doc]
    return doc if doc is None or isinstance(doc, (str, int, float, bool)) else str(doc)


def revise(engine: Engine, pid: int, author: dict, doc: dict, *, address: str | None = None) -> int:
    """The author's new version (also how a stale proposal is rebased on the atlas as it stands now)."""
    require(author, "propose")
    with engine.begin() as conn:
        p = _proposal_row(conn, pid)
        if p["author_id"] != author["id"]:
            raise Forbidden("only the author revises a proposal")
        if p["status"] not in ("open", "changes_requested"):
            raise Conflict(f"proposal {pid} is {p['status']}")
        checked = check(conn, doc)
        if checked.problems:
            raise ProposalError(checked.problems)
        revision, at = p["revision"] + 1, tables.now()
        done = conn.execute(update(tables.proposals).where(tables.proposals.c.id == pid,
                                                           tables.proposals.c.revision == p["revision"])
                            .values(revision=revision, status="open", title=doc["title"].strip(), updated_at=at))
        if done.rowcount != 1:
            raise Conflict(f"proposal {pid} changed meanwhile")
        _add_revision(conn, pid, revision, doc, checked, at)
        tables.record(conn, "revise", actor=author["email"], target=f"proposal {pid}", address=address,
                      detail={"revision": revision})
    return revision


def decide(engine: Engine, pid: int, reviewer: dict, decision: str, *, revision: int, comment: str = "",
           address: str | None = None) -> None:
    """accept (one transaction), reject (with a reason) or ask for changes (with a comment). Never one's own."""
    require(reviewer, "review")
    if decision not in ("accept", "reject", "changes"):
        raise ValueError(f"decision: accept, reject or changes, not {decision!r}")
    comment = (comment or "").strip()
    if decision != "accept" and not comment:
        raise ProposalError([{"where": "review", "field": "comment", "message": "say why (the author reads it)"}])
    with engine.begin() as conn:
        tables.take_accept_lock(conn)
        p = _proposal_row(conn, pid)
        if p["author_id"] == reviewer["id"]:
            raise Forbidden("four eyes: nobody reviews their own proposal")
        if p["status"] != "open" or p["revision"] != revision:
            raise Conflict(f"proposal {pid} is {p['status']} at revision {p['revision']}; nothing was done")
        status = {"accept": "accepted", "reject": "rejected", "changes": "changes_requested"}[decision]
        if decision == "accept":
            _apply(conn, p, reviewer)
        done = conn.execute(update(tables.proposals).where(tables.proposals.c.id == pid,
                                                           tables.proposals.c.status == "open",
                                                           tables.proposals.c.revision == revision)
                            .values(status=status, updated_at=tables.now()))
        if done.rowcount != 1:
            raise Conflict(f"proposal {pid} was decided meanwhile")
        conn.execute(tables.reviews.insert().values(proposal_id=pid, revision=revision, reviewer_id=reviewer["id"],
                                                    decision=decision, comment=comment or None, at=tables.now()))
        tables.record(conn, decision if decision != "changes" else "ask_changes", actor=reviewer["email"],
                      target=f"proposal {pid}", address=address, detail={"revision": revision, "comment": comment})


def _apply(conn: Connection, p: dict, reviewer: dict) -> None:
    rev = _revision_row(conn, p["id"], p["revision"])
    stale = stale_subjects(conn, json.loads(rev["base"]))
    if stale:
        raise Stale(stale)
    doc = json.loads(rev["document"])
    checked = check(conn, doc)
    if checked.problems:
        raise ProposalError(checked.problems)
    for eid, etype in checked.entities.items():
        conn.execute(store.entities.insert().values(id=eid, type=etype))
        conn.execute(tables.curated_entities.insert().values(id=eid, type=etype, proposal_id=p["id"]))
    for sid, rec in checked.sources.items():
        data = json.dumps(rec, ensure_ascii=False, default=str)
        conn.execute(store.sources.insert().values(id=sid, data=data))
        conn.execute(tables.curated_sources.insert().values(id=sid, data=data, proposal_id=p["id"]))
    for sid, text in (doc.get("texts") or {}).items():
        if sid in checked.sources:
            conn.execute(tables.source_texts.insert().values(source_id=sid, text=text))
    author = _account_email(conn, p["author_id"])
    adds = [Statement(**{**{k: getattr(st, k) for k in Statement.__dataclass_fields__},
                         "origin": f"proposal:{p['id']}"}) for st in checked.adds]
    store.append(conn, adds, checked.retracts, at=tables.now(), proposal_id=p["id"], actor=author,
                 reason=f"{p['title']} (reviewed by {reviewer['email']})")


def _proposal_row(conn: Connection, pid: int) -> dict:
    row = conn.execute(select(tables.proposals).where(tables.proposals.c.id == pid)).mappings().first()
    if row is None:
        raise LookupError(f"no proposal {pid}")
    return dict(row)


def _revision_row(conn: Connection, pid: int, revision: int) -> dict:
    return dict(conn.execute(select(tables.proposal_revisions).where(
        tables.proposal_revisions.c.proposal_id == pid, tables.proposal_revisions.c.revision == revision))
        .mappings().one())


def _account_email(conn: Connection, account_id: int) -> str:
    return conn.execute(select(tables.accounts.c.email).where(tables.accounts.c.id == account_id)).scalar_one()


def get(engine: Engine, pid: int) -> dict:
    """A proposal with its author, current document, revisions, reviews and whether it is stale."""
    with engine.connect() as conn:
        p = _proposal_row(conn, pid)
        p["author"] = _account_email(conn, p["author_id"])
        revs = [dict(r) for r in conn.execute(select(tables.proposal_revisions).where(
            tables.proposal_revisions.c.proposal_id == pid).order_by(tables.proposal_revisions.c.revision)).mappings()]
        p["document"] = json.loads(revs[-1]["document"])
        p["base"] = json.loads(revs[-1]["base"])
        p["revisions"] = [{"revision": r["revision"], "created_at": r["created_at"]} for r in revs]
        p["reviews"] = [dict(r) for r in conn.execute(
            select(tables.reviews, tables.accounts.c.email.label("reviewer"))
            .join(tables.accounts, tables.accounts.c.id == tables.reviews.c.reviewer_id)
            .where(tables.reviews.c.proposal_id == pid).order_by(tables.reviews.c.id)).mappings()]
        p["stale"] = stale_subjects(conn, p["base"]) if p["status"] in ("open", "changes_requested") else []
        p["checked"] = check(conn, p["document"]) if p["status"] in ("open", "changes_requested") else None
    return p


def queue(engine: Engine, *, status: str | None = "open", author: str | None = None) -> list[dict]:
    q = (select(tables.proposals, tables.accounts.c.email.label("author"))
         .join(tables.accounts, tables.accounts.c.id == tables.proposals.c.author_id)
         .order_by(tables.proposals.c.id.desc()))
    if status:
        q = q.where(tables.proposals.c.status == status)
    if author:
        q = q.where(tables.accounts.c.email == author.strip().lower())
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
        for r in rows:
            base = conn.execute(select(tables.proposal_revisions.c.base).where(
                tables.proposal_revisions.c.proposal_id == r["id"],
                tables.proposal_revisions.c.revision == r["revision"])).scalar_one()
            r["subjects"] = sorted(json.loads(base))
    return rows
