"""The `policy-atlas` command: thin wrappers around the parts, each a query plus a printer."""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
from enum import Enum
from pathlib import Path
from contextlib import contextmanager
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import SQLAlchemyError

from . import dataset as dataset_mod
from . import gazetteer as gaz
from . import store
from .queries import PAGE_SIZE, Atlas, profile as profile_query
from .version import package_version

app = typer.Typer(help="Policy Atlas: Belgium's multi-level approach to radicalisation, visible and checkable.",
                  no_args_is_help=True, add_completion=False)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

class ProfileFormat(str, Enum):
    text = "text"
    json = "json"


class Language(str, Enum):
    nl = "nl"
    fr = "fr"
    de = "de"
    en = "en"


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    ttl = "ttl"
    nt = "nt"


def _version(show: bool) -> None:
    if show:
        print(f"policy-atlas {package_version()}")
        raise typer.Exit()


@app.callback()
def options(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                         help="Print the version and exit.")) -> None:
    pass


DB_OPTION = typer.Option(None, "--db", help="Database URL or SQLite path (default: ATLAS_DATABASE_URL or var/atlas.sqlite).")
DATA_OPTION = typer.Option(None, "--dataset", help="Dataset folder (default: the bundled Belgian dataset).")


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False, disable=not err.is_terminal and not _force_bar())


def _force_bar() -> bool:
    return bool(os.environ.get("ATLAS_PROGRESS"))


def _load(path: Optional[Path], previous: Optional[dataset_mod.Previous] = None) -> dataset_mod.Dataset:
    root = path or dataset_mod.default_path()
    files = (1 + len(list(root.glob("*/*.yaml")))) if root.is_dir() else 0
    with _progress() as bar:
        task = bar.add_task("reading dataset", total=files or None)
        ds = dataset_mod.load(root, progress=lambda _f: bar.advance(task), previous=previous)
    for warning in ds.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    return ds


@app.command()
def validate(dataset: Optional[Path] = DATA_OPTION) -> None:
    """Check schema, references, NIS codes, dates, sources and every quote against its source text."""
    ds = _load(dataset)
    for problem in ds.problems:
        err.print(f"[red]error:[/] {problem}", highlight=False, markup=False)
    if ds.problems:
        err.print(f"{len(ds.problems)} error(s)")
        raise typer.Exit(1)
    out.print(f"ok: {len(ds.entities)} entities, {len(ds.statements)} statements, {len(ds.sources)} sources")


@app.command()
def build(dataset: Optional[Path] = DATA_OPTION, db: Optional[str] = DB_OPTION,
          full: bool = typer.Option(False, "--full", help="Read and check every file again (by default only the "
                                    "files that changed since the last build, and those depending on them).")) -> None:
    """Validate the dataset and write it into the database in one transaction (history is kept)."""
    engine = store.connect(db)
    with _database_errors(engine):
        previous = None if full else store.previous_files(engine)
    ds = _load(dataset, previous)
    if ds.problems:
        for problem in ds.problems:
            err.print(f"error: {problem}", highlight=False, markup=False)
        err.print("build refused: the database was not touched")
        raise typer.Exit(1)
    total = len(ds.statements) + len(ds.kept)
    with _progress() as bar, _database_errors(engine):
        task = bar.add_task("writing statements", total=total)
        result = store.build(ds, engine, label=str(dataset or "bundled:belgium"),
                             progress=lambda n: bar.advance(task, n))
        bar.update(task, completed=total)
    out.print(f"build {result['build']}: {result['statements']} current statements, "
              f"{result['added']} added, {result['retracted']} retracted ({result['read']} of {result['files']} "
              f"files read) -> {store.masked(engine)}", highlight=False)


@contextmanager
def _database_errors(engine):
    """A database that refuses us is a clear message with the URL masked, never a traceback with a password."""
    try:
        yield
    except (store.UnknownRevision, store.StaleState) as exc:
        err.print(f"{store.masked(engine)}: {exc}", highlight=False, markup=False)
        raise typer.Exit(2)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        err.print(f"database error on {store.masked(engine)}: {_scrub(reason, engine)}", highlight=False, markup=False)
        raise typer.Exit(2)


def _scrub(message: str, engine) -> str:
    password = engine.url.password
    return message.replace(password, "***") if password else message


@app.command()
def resolve(name: str, as_of: Optional[str] = typer.Option(
        None, "--as-of", help="YYYY-MM-DD: what the name was on that day (default: today)")) -> None:
    """Resolve a municipality name (any language, exonyms, any case or accents) to its NIS code; say what it
    was on a day, what it became (successor, date) and what it was made of (predecessors)."""
    day = _day(as_of) if as_of else dt.date.today()
    g = gaz.load()
    try:
        m = g.resolve(name, on=day)
    except gaz.UnknownPlace as exc:
        err.print(str(exc), highlight=False, markup=False)
        print(json.dumps({"error": "unknown municipality", "name": name, "suggestions": exc.suggestions},
                         ensure_ascii=False))
        raise typer.Exit(1)
    print(json.dumps(_resolution(g, m, day), ensure_ascii=False, indent=2))


def _resolution(g: gaz.Gazetteer, m: gaz.Municipality, day: dt.date) -> dict:
    brief = lambda x: {"nis": x.nis, "name_nl": x.name_nl, "name_fr": x.name_fr,  # noqa: E731
                       "valid_from": x.valid_from and x.valid_from.isoformat(),
                       "valid_to": x.valid_to and x.valid_to.isoformat()}
    out = {**m.as_dict(), "official_names": _official(m), "as_of": day.isoformat(), "exists_on_date": m.exists_on(day),
           "on_date": [brief(x) for x in g.on_date(m, day)],
           "predecessors": [brief(g.get(p)) for p in m.predecessors],
           "same_name": [brief(x) for x in g.same_name(m)]}
    merger = g.merger_of(m.nis)
    if m.successor:
        out["successor"] = {**brief(g.get(m.successor)), "since": merger.date.isoformat()}
    if merger:
        out["merger"] = {"date": merger.date.isoformat(), "successor": merger.successor,
                         "predecessors": list(merger.predecessors), "sources": list(merger.cites)}
    return out


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        err.print(f"--as-of must be a date YYYY-MM-DD, not {text!r}")
        raise typer.Exit(2)


def _official(m: gaz.Municipality) -> list[str]:
    return {"N": [m.name_nl], "F": [m.name_fr], "D": [m.name_de or m.name_nl]}.get(m.language_regime[0], []) \
        if m.region != "brussels" else [m.name_nl, m.name_fr]


def _atlas(db: Optional[str]) -> Atlas:
    try:
        engine = store.connect(db)
        if not store.has_build(engine):
            err.print(f"{store.masked(engine)} holds no atlas yet: run `policy-atlas build` first.", highlight=False)
            raise typer.Exit(2)
        store.upgrade(engine)
        return Atlas.open(engine)
    except LookupError as exc:
        err.print(str(exc))
        raise typer.Exit(2)
    except typer.Exit:
        raise
    except (store.UnknownRevision, store.StaleState) as exc:
        err.print(f"{store.masked(engine)}: {exc}", highlight=False, markup=False)
        raise typer.Exit(2)
    except Exception as exc:  # the database file is locked or not a database
        err.print(f"cannot read the atlas database {store.masked(store.database_url(db))}: "
                  f"{_scrub(str(exc).splitlines()[0], store.connect(db))}. Run `policy-atlas build` first.",
                  highlight=False, markup=False)
        raise typer.Exit(2)


@app.command()
def profile(nis_or_name: str,
            as_of: Optional[str] = typer.Option(None, "--as-of", help="YYYY-MM-DD (default: every period, each item "
                                                                        "with its dates)"),
            format: ProfileFormat = typer.Option(ProfileFormat.text, "--format", help="text or json"),
            lang: Language = typer.Option(Language.nl, "--lang", help="label language"),
            every: bool = typer.Option(False, "--all", help=f"list every item (default: the first {PAGE_SIZE} of "
                                                             "each list, with its total)"),
            db: Optional[str] = DB_OPTION) -> None:
    """What applied to a municipality, on a date or in every period, with why and on what source; a merged
    municipality includes what its predecessors received, saying so."""
    day = _day(as_of) if as_of else None
    try:
        mun = gaz.load().resolve(nis_or_name, on=day or dt.date.today())
    except gaz.UnknownPlace as exc:
        err.print(str(exc), highlight=False, markup=False)
        raise typer.Exit(1)
    result = profile_query(_atlas(db), mun, day, lang.value, page_size=None if every else PAGE_SIZE)
    if format is ProfileFormat.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_profile(result)
    LEAVE_AT_ONCE.add("profile")


STATUS_TEXT = {"ended": "ended", "future": "not yet", "current": "current", "open": "end unknown"}


def _print_profile(p: dict) -> None:
    m, h = p["municipality"], p["history"]
    when = f"on {p['as_of']}" if p["as_of"] else "all periods"
    out.print(f"[bold]{m['label']}[/] (NIS {m['nis']}, {m['region']}, {', '.join(m['communities'])}) {when}")
    if h["successor"]:
        out.print(f"Merged into {h['successor']['label']} ({h['successor']['nis']}) on {h['merger_date']}")
    if h["predecessors"]:
        out.print(f"Since {h['merger_date']}, made of: " + ", ".join(f"{x['label']} ({x['nis']})" for x in h["predecessors"])
                  + " — what they received is listed, saying so")
    more = p["sections"]["governments"]["total"] - len(p["governments"])
    out.print("Competent governments: " + "; ".join(f"{g['label']} ({g['why']})" for g in p["governments"])
              + (f"; … and {more} more (--all lists every one)" if more else ""), highlight=False, markup=False)
    sections = [("Helplines", "helplines"), ("Agencies of competent governments", "agencies"), ("Subsidies received", "subsidies_received"),
                ("Other subsidies of competent governments (recipients not named)", "subsidies_open"), ("Takes part in", "bodies_taking_part"),
                ("Services", "services"), ("Trainings", "trainings"), ("Tools", "tools"), ("Plans", "plans"),
                ("Bodies", "bodies"), ("Rules", "rules")]
    for title, key in sections:
        if not p[key]:
            continue
        out.print(f"\n[bold]{title}[/]")
        for item in p[key]:
            period = f" [{item.get('start') or '?'}..{item.get('end') or ''}]"
            status = f"unknown after {item['unknown_after']}" if item["status"] == "open" and item["unknown_after"] \
                else STATUS_TEXT[item["status"]]
            via = f"; received by {item['via']['label']} ({item['via']['nis']})" if item.get("via") else ""
            cite = item.get("cites") or {}
            out.print(f"  - {item['label']}{period} {status} ({item['why']}{via}; {cite.get('source')} "
                      f"{cite.get('locator') or ''})", highlight=False, markup=False)
        more = p["sections"][key]["total"] - len(p[key])
        if more:
            out.print(f"  … and {more} more (--all lists every item)", highlight=False, markup=False)
    livcr = p["livcr"]
    out.print(f"\n[bold]LIVC-R[/]: {livcr['status']}")
    for f in livcr["area_figures"]:
        out.print(f"  {f['label']}: {f['count']} of {f['total']} (as of {f['as_of'] or 'unknown'})", markup=False)
    latest = p["shown_currency"]["latest_year"]
    out.print(f"\nData current to: {latest or 'unknown'} (the latest source that speaks of what is listed)")


@app.command()
def export(format: ExportFormat = typer.Option(ExportFormat.jsonl, "--format",
                                               help="jsonl (an entity per line), csv (a statement per row), "
                                               "ttl (Turtle) or nt (N-Triples)"),
           output: Optional[Path] = typer.Option(None, "-o", "--output", help="File (default: standard output)"),
           db: Optional[str] = DB_OPTION) -> None:
    """Export the whole atlas (see docs/export.md for the formats; linked data uses ATLAS_BASE_URL)."""
    from . import export as export_mod  # linked data (rdflib) only for the commands that need it

    atlas = _atlas(db)
    if format is ExportFormat.jsonl:
        chunks = export_mod.jsonl(atlas)
    elif format is ExportFormat.csv:
        chunks = export_mod.csv_rows(atlas)
    else:
        chunks = export_mod.serialize(atlas, format.value)
    sep = "\n" if format is ExportFormat.jsonl else ""
    fh = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        for chunk in chunks:
            fh.write(chunk + sep)
    finally:
        if output:
            fh.close()
    if output:
        err.print(f"wrote {output}")


@app.command()
def ingest(files: list[Path] = typer.Argument(None, help="PDF, HTML, DOCX or text files, or folders of them."),
           file_list: Optional[Path] = typer.Option(None, "--list", help="A text file naming one document per line."),
           format: str = typer.Option("text", "--format", help="text or json"),
           output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the JSON report here."),
           ocr: bool = typer.Option(True, "--ocr/--no-ocr", help="OCR PDF pages that have no text layer."),
           db: Optional[str] = DB_OPTION) -> None:
    """Read documents and propose facts (nothing is written to the atlas). A bad file gets its own error and
    the others go through; a summary table ends the run. Exit 1 if any file failed."""
    from .ingest import Ingester, collect, summary
    from .ingest.extract import Limits

    if format not in ("text", "json"):
        err.print(f"--format must be text or json, not {format!r}")
        raise typer.Exit(2)
    try:
        paths = collect(list(files or []), file_list)
    except OSError as exc:
        err.print(f"[red]error[/] {exc}")
        raise typer.Exit(2)
    if not paths:
        err.print("no documents given (files, folders or --list)")
        raise typer.Exit(2)
    ingester = Ingester(_atlas(db))
    limits = Limits(ocr=ocr)
    results = []
    with _progress() as bar:
        files_task = bar.add_task("files", total=len(paths))
        pages_task = bar.add_task("pages", total=None)
        for path in paths:
            bar.update(pages_task, description=f"pages of {path.name}", completed=0, total=None)
            try:
                data = path.read_bytes()
            except OSError as exc:
                results.append({"file": str(path), "error": f"{path}: {exc.strerror or exc}"})
            else:
                results.append(ingester.read(str(path), data, limits=limits,
                                             on_page=lambda n, total: bar.update(pages_task, completed=n, total=total)))
            bar.advance(files_task)
    report = {"summary": summary(results), "files": results}
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        err.print(f"wrote {output}")
    if format == "json" and not output:
        out.print_json(text) if out.is_terminal else sys.stdout.write(text + "\n")
    elif format == "text":
        _print_ingest(results)
    _print_ingest_table(results)
    if any("error" in r for r in results):
        raise typer.Exit(1)


def _print_ingest(results: list[dict]) -> None:
    for r in results:
        if "error" in r:
            err.print(f"[red]error[/] {r['error']}", markup=True, highlight=False)
            continue
        kinds: dict[str, int] = {}
        for m in r["mentions"]:
            kinds[m["kind"]] = kinds.get(m["kind"], 0) + 1
        out.print(f"[bold]{r['file']}[/] ({r['format']}, {r['pages']} pages, paragraphs by language {r['languages']})")
        out.print("  mentions: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())), markup=False)
        for p in r["proposals"]:
            when = f" {p['valid_from'] or '…'}–{p['valid_to'] or '…'}" if p.get("valid_from") or p.get("valid_to") else ""
            out.print(f"  [{p['status']:8}] {p['subject_label']} — {p['property']} — {p['value_label']}{when}"
                      f"  (page {p['page']}, line {p['line']})", markup=False)


def _print_ingest_table(results: list[dict]) -> None:
    """One row per file on stderr, so a JSON report on stdout stays clean."""
    from rich.table import Table

    table = Table(title="ingest summary")
    for column in ("file", "format", "pages", "OCR pages", "mentions", "held", "conflict", "new", "error"):
        table.add_column(column, justify="right" if column in ("pages", "OCR pages", "mentions", "held", "conflict",
                                                               "new") else "left")
    for r in results:
        if "error" in r:
            table.add_row(r["file"], "", "", "", "", "", "", "", r["error"].removeprefix(f"{r['file']}: "))
            continue
        status = [sum(1 for p in r["proposals"] if p["status"] == s) for s in ("held", "conflict", "new")]
        ocr_pages = len({p["page"] for p in r["page_parts"] if p["ocr"]})
        table.add_row(r["file"], r["format"], str(r["pages"]), str(ocr_pages), str(len(r["mentions"])),
                      *map(str, status), "")
    (err if err.is_terminal else Console(stderr=True, width=240)).print(table)


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
          port: int = typer.Option(8000, help="Port."), db: Optional[str] = DB_OPTION,
          workers: int = typer.Option(0, help="Web processes (default: the number of cores)."),
          forwarded_allow_ips: str = typer.Option("127.0.0.1", help="Proxies whose X-Forwarded-For/-Proto are "
                                                  "trusted (comma-separated, or *).")) -> None:
    """Start the web atlas (builds the database from the bundled dataset first if it is empty); see docs/deploy.md."""
    import uvicorn

    from .web.settings import Settings

    url = store.database_url(db)
    engine = store.connect(url)
    with _database_errors(engine):
        store.upgrade(engine)
        if not store.has_build(engine):
            store.build(dataset_mod.load(), engine)
    engine.dispose()
    os.environ["ATLAS_DATABASE_URL"] = url  # the worker processes read their settings from the environment
    if not os.environ.get("ATLAS_BASE_URL"):
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        os.environ["ATLAS_BASE_URL"] = f"http://{shown}:{port}"
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(2)
    workers = workers or os.cpu_count() or 1
    os.environ.setdefault("ATLAS_ACCESS_LOG", "1")
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # /metrics adds up every worker
        import tempfile

        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="atlas-metrics-")
    err.print(f"Policy Atlas on http://{host}:{port}/ as {settings.base_url}  ({workers} worker(s); database: "
              f"{store.masked(url)}; Ctrl+C stops)", highlight=False)
    import inspect

    # a worker process imports the atlas before it answers the supervisor's first health check
    patience = {"timeout_worker_healthcheck": 120} if "timeout_worker_healthcheck" in inspect.signature(uvicorn.run).parameters else {}
    uvicorn.run("policy_atlas.web.app:create_app", factory=True, host=host, port=port, workers=workers, **patience,
                proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips, log_level=os.environ.get("ATLAS_LOG_LEVEL", "warning"),
                access_log=False, server_header=False)


@app.command()
def backup(output: Path = typer.Argument(..., help="Backup file to write (SQLite: a database file; "
                                            "PostgreSQL: pg_dump's custom format)."), db: Optional[str] = DB_OPTION) -> None:
    """Copy the database while it is in use (SQLite online backup API; pg_dump for PostgreSQL)."""
    from .store.backup import backup as run_backup

    engine = _copy_database("backup", run_backup, db, output)
    out.print(f"backed up {store.masked(engine)} to {output} ({output.stat().st_size:,} bytes)", highlight=False)


@app.command()
def restore(backup_file: Path = typer.Argument(..., help="A file written by `policy-atlas backup`."),
            db: Optional[str] = DB_OPTION) -> None:
    """Replace the database's content with a backup; running servers reload it within seconds."""
    from .store.backup import restore as run_restore

    engine = _copy_database("restore", run_restore, db, backup_file)
    out.print(f"restored {backup_file} into {store.masked(engine)}", highlight=False)


def _copy_database(what: str, run, db: Optional[str], path: Path):
    """Run a backup or restore on the database, a failure printed as one line (exit 1)."""
    from .store.backup import BackupError

    engine = store.connect(db)
    try:
        with _database_errors(engine):
            run(engine, path)
    except BackupError as exc:
        err.print(f"{what} failed: {exc}", highlight=False, markup=False)
        raise typer.Exit(1)
    return engine


db_app = typer.Typer(help="The database: schema migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(db: Optional[str] = DB_OPTION) -> None:
    """Bring the database to the newest schema (an atlas made before migrations is upgraded in place)."""
    engine = store.connect(db)
    with _database_errors(engine):
        revision = store.upgrade(engine)
    out.print(f"{store.masked(engine)} is at schema revision {revision}", highlight=False)


user_app = typer.Typer(help="Curator accounts: add, give or withdraw a role, list (accounts are never deleted).",
                       no_args_is_help=True)
app.add_typer(user_app, name="user")


def _curation_engine(db: Optional[str]):
    engine = store.connect(db)
    store.upgrade(engine)
    return engine


@user_app.command("add")
def user_add(email: str, role: str = typer.Option(..., "--role", help="contributor, reviewer or admin"),
             db: Optional[str] = DB_OPTION) -> None:
    """Create an account and print its one-time password (shown once; there is no default account)."""
    from .curation import accounts

    try:
        with _curation_engine(db).begin() as conn:
            password = accounts.add(conn, email, role, actor="cli")
    except accounts.AccountError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(1)
    err.print(f"account {email.strip().lower()} ({role}) created; its one-time password, shown only now:")
    print(password)


@user_app.command("role")
def user_role(email: str, role: str = typer.Argument(..., help="contributor, reviewer, admin, or none to withdraw"),
              db: Optional[str] = DB_OPTION) -> None:
    """Give an account another role, or withdraw it (`none`): the account and its history stay."""
    from .curation import accounts

    try:
        with _curation_engine(db).begin() as conn:
            accounts.set_role(conn, email, None if role == "none" else role, actor="cli")
    except accounts.AccountError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(1)
    out.print(f"{email}: {role}", highlight=False, markup=False)


@user_app.command("list")
def user_list(db: Optional[str] = DB_OPTION) -> None:
    """Every account with its role."""
    from .curation import accounts

    with _curation_engine(db).connect() as conn:
        for a in accounts.listing(conn):
            print(f"{a['email']}\t{a['role'] or 'none'}\t{a['created_at']}")


@app.command()
def propose(file: Path = typer.Argument(..., help="A YAML file in the dataset format (see docs/curation.md)."),
            author: str = typer.Option(..., "--as", help="E-mail of the proposing account."),
            db: Optional[str] = DB_OPTION) -> None:
    """Submit a file of changes as one proposal for review (checked by the same rules as `validate`)."""
    from .curation import accounts, proposals
    from .curation.roles import Forbidden

    ds = dataset_mod.Dataset()
    doc = dataset_mod.read_yaml(file, ds)
    for problem in ds.problems:
        err.print(f"error: {problem}", highlight=False, markup=False)
    if ds.problems:
        raise typer.Exit(1)
    engine = _curation_engine(db)
    with engine.connect() as conn:
        account = accounts.by_email(conn, author)
    if account is None:
        err.print(f"error: no account {author} (create it with `policy-atlas user add`)")
        raise typer.Exit(1)
    try:
        pid = proposals.create(engine, account, doc, origin="file", file_origin=str(file))
    except Forbidden as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(1)
    except proposals.ProposalError as exc:
        for p in exc.problems:
            err.print(f"error: {p['where']}: {p['field']}: {p['message']}", highlight=False, markup=False)
        raise typer.Exit(1)
    out.print(f"proposal {pid} submitted for review", highlight=False)


@app.command()
def dump(dataset: Path = typer.Option(Path("dump"), "--dataset", help="Folder to write (created if missing)."),
         db: Optional[str] = DB_OPTION) -> None:
    """Write the current atlas (files and accepted proposals) back to the dataset format."""
    from .curation.dump import dump as dump_atlas

    result = dump_atlas(_atlas(db), dataset)
    out.print(f"wrote {result['entities']} entities and {result['statements']} statements in {result['files']} files "
              f"to {dataset}", highlight=False)


LEAVE_AT_ONCE: set[str] = set()  # commands done that only read: `main` skips the interpreter's teardown after them


def main() -> None:
    """The `policy-atlas` command. After a command that only reads and printed its answer, the process ends without
    tearing the interpreter down: freeing every module and object at exit costs ~0.3 s, a third of a quick
    command's time, and nothing is left to write or clean up. Every other command ends as usual."""
    try:
        app()
    except SystemExit as done:
        if not LEAVE_AT_ONCE or done.code not in (None, 0):
            raise
    if LEAVE_AT_ONCE:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
