"""Bounded work per request: 413 before the body is read, per-file limits, documents read in worker processes
with time and memory limits (the site keeps answering), rate limits with 429 and Retry-After."""
import io
import os
import signal
import socket
import threading
import time
import zipfile
from dataclasses import replace

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from conftest import served

from policy_atlas.web.app import create_app
from policy_atlas.web.settings import MB, Settings

SENTENCE = ("De stad Gent, de gemeente Vilvoorde en de stad Antwerpen ontvingen in 2016 een subsidie van "
            "25.000 euro van de FOD Binnenlandse Zaken voor hun LIVC-R. ")




def _app(atlas_db, **changes):
    app = create_app(atlas_db, settings=replace(Settings(), **changes))
    app.state.atlas.atlas  # loaded before the first request
    return app


def test_declared_body_over_the_limit_is_refused_before_it_is_read(atlas_db):
    with served(_app(atlas_db, max_body=1 * MB)) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"POST /api/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
                         b"boundary=x\r\nContent-Length: 2147483648\r\n\r\n")  # 2 GB announced, not one byte sent
            answer = _answer(sock)
        assert answer.startswith("HTTP/1.1 413") and "larger than 1 MB" in answer


def _answer(sock) -> str:
    """One HTTP response, read as it arrives (the server answers without waiting for the rest of the body)."""
    answer = b""
    while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a full answer: {answer!r}"
        answer += chunk
    return answer.decode("latin-1")


def _length(answer: bytes) -> int:
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    return int(head.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0]) if b"content-length:" in head else 0


def test_streamed_body_without_length_is_cut_off_at_the_limit(atlas_db):
    with served(_app(atlas_db, max_body=2 * MB)) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
            sock.sendall(b"POST /api/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
                         b"boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n")
            part = b'--x\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n'
            sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            for _ in range(3 * 4):  # 3 MB of a body that never ends, in 256 kB chunks
                sock.sendall(b"%x\r\n%s\r\n" % (MB // 4, b"x" * (MB // 4)))
            answer = _answer(sock)
    assert answer.startswith("HTTP/1.1 413") and "larger than 2 MB" in answer


def test_file_over_the_per_file_limit_gets_its_own_error(atlas_db):
    with TestClient(_app(atlas_db, max_file=MB // 8)) as client:
        report = client.post("/api/ingest", files=[("files", ("big.txt", b"a " * MB, "text/plain")),
                                                   ("files", ("small.txt", SENTENCE.encode(), "text/plain"))]).json()
    big, small = report["files"]
    assert big["error"] == "big.txt: larger than 0.125 MB"
    assert "error" not in small and {m["id"] for m in small["mentions"] if m["kind"] == "municipality"} >= {"mun/44021"}


def _docx_bomb() -> bytes:
    """A DOCX whose document.xml inflates from a few hundred kB to 100 MB."""
    buffer = io.BytesIO()
    body = b'<w:p><w:r><w:t>' + b"a" * (100 * MB) + b'</w:t></w:r></w:p>'
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("word/document.xml", b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                   b'wordprocessingml/2006/main"><w:body>' + body + b"</w:body></w:document>")
    return buffer.getvalue()


def _warm(base: str) -> None:
    """The reader process has started and read once (its first document also loads the language models)."""
    first = httpx.post(f"{base}/api/ingest", timeout=180, files=[("files", ("warm.txt", SENTENCE.encode()))]).json()
    assert "error" not in first["files"][0], first


def _timed_get(client, path: str) -> float:
    start = time.perf_counter()
    assert client.get(path).status_code == 200
    return time.perf_counter() - start


@pytest.mark.parametrize("hostile, seconds, memory, expected", [
    ("slow.txt", 5.0, 1024 * MB, "slow.txt: reading took longer than 5 s and was stopped"),
    ("bomb.docx", 20.0, 64 * MB, "bomb.docx: "),
])
def test_hostile_upload_gets_an_error_others_come_back_and_pages_keep_answering(atlas_db, hostile, seconds, memory,
                                                                                expected):
    data = (SENTENCE * 40_000).encode() if hostile == "slow.txt" else _docx_bomb()
    app = _app(atlas_db, ingest_seconds=seconds, ingest_memory=memory, ingest_workers=1)
    with served(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        _warm(base)
        quiet = max(_timed_get(client, "/api/entity/gov/federal") for _ in range(5))
        result = {}
        upload = threading.Thread(target=lambda: result.update(httpx.post(
            f"{base}/api/ingest", timeout=120, files=[("files", (hostile, data)), ("files", ("ok.txt", SENTENCE.encode()))]
        ).json()))
        upload.start()
        deadline = time.monotonic() + 60
        while not app.state.readers.busy() and upload.is_alive():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        times = []
        while upload.is_alive() and len(times) < 20:
            times.append(_timed_get(client, "/api/entity/gov/federal"))
        upload.join(timeout=120)
    # 200 ms on a quiet machine; on a machine busy with other work, no more than 200 ms over its quiet time
    assert times and max(times) < 0.2 + quiet, (times, quiet)
    bad, good = result["files"]
    assert bad["error"].startswith(expected) and "error" not in good
    assert {m["id"] for m in good["mentions"] if m["kind"] == "municipality"} >= {"mun/44021", "mun/23088"}


def test_a_killed_reader_is_a_clear_error_and_is_replaced(atlas_db):
    app = _app(atlas_db, ingest_seconds=60.0, ingest_workers=1)
    with served(app) as base:
        _warm(base)
        result = {}
        upload = threading.Thread(target=lambda: result.update(httpx.post(
            f"{base}/api/ingest", timeout=120,
            files=[("files", ("huge.txt", (SENTENCE * 40_000).encode())), ("files", ("ok.txt", SENTENCE.encode()))]
        ).json()))
        upload.start()
        deadline = time.monotonic() + 60
        while not app.state.readers.busy():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)
        for pid in app.state.readers.pids():  # one reader, reading huge.txt
            os.kill(pid, signal.SIGKILL)  # as the kernel's out-of-memory killer would
        upload.join(timeout=120)
    huge, ok = result["files"]
    assert huge["error"] == "huge.txt: the reader process was killed (signal 9), probably out of memory; the file was not read"
    assert "error" not in ok and ok["mentions"]


def test_rate_limits_answer_429_with_retry_after(atlas_db):
    app = _app(atlas_db, rates={"ingest": "2/minute", "api": "5/minute", "login": "1/minute"})
    with TestClient(app) as client:
        codes = [client.post("/api/ingest", files=[("files", ("a.txt", b"Gent"))]).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        refused = client.post("/nl/ingest", files=[("files", ("a.txt", b"Gent"))])
        assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        api = [client.get("/api/home") for _ in range(6)]
        assert [r.status_code for r in api] == [200] * 5 + [429]
        assert api[-1].json()["status"] == 429 and int(api[-1].headers["Retry-After"]) >= 1
        assert client.get("/nl/").status_code == 200  # HTML pages are not the API's bucket


def test_limit_is_reusable_by_other_routes(atlas_db):
    from fastapi import Depends, Request

    from policy_atlas.web.limits import limit, limiter

    app = _app(atlas_db, rates={"ingest": "2/minute", "api": "100/minute", "login": "2/minute"})

    def log_in(request: Request):
        limit(request, "login")
        return {"ok": True}

    app.add_api_route("/nl/try-login", log_in, methods=["POST"])
    app.add_api_route("/nl/try-other", lambda: {"ok": True}, methods=["POST"], dependencies=[Depends(limiter("x", "1/hour"))])
    with TestClient(app) as client:
        assert [client.post("/nl/try-login").status_code for _ in range(3)] == [200, 200, 429]
        refused = client.post("/nl/try-login")
        assert refused.status_code == 429 and "text/html" in refused.headers["content-type"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert [client.post("/nl/try-other").status_code for _ in range(2)] == [200, 429]


def test_log_ins_and_uploads_are_counted_by_every_process_together(db_url):
    """Two processes on one database (two engines here): the log-in and upload buckets are counted in the
    database, under keyed hashes (no client address written down); the API's bucket stays in each process."""
    from sqlalchemy import select

    from policy_atlas import store
    from policy_atlas.store.schema import rate_hits
    from policy_atlas.web.limits import RateLimits

    store.upgrade(store.connect(db_url))
    rates = {"login": "3/minute", "ingest": "1/minute", "api": "2/minute"}
    one, two = RateLimits(rates, store.connect(db_url)), RateLimits(rates, store.connect(db_url))
    waits = [limits.retry_after("login", "203.0.113.7") for limits in (one, two, one, two)]
    assert waits[:3] == [None, None, None] and 1 <= waits[3] <= 60
    assert one.retry_after("login", "198.51.100.1") is None  # another address has its own window
    assert two.retry_after("ingest", "203.0.113.7") is None and one.retry_after("ingest", "203.0.113.7") >= 1
    assert [one.retry_after("api", "203.0.113.7") for _ in range(3)][-1] >= 1
    assert two.retry_after("api", "203.0.113.7") is None  # in memory: this process has not seen that client
    with store.connect(db_url).connect() as conn:
        keys = list(conn.execute(select(rate_hits.c.key)).scalars())
    assert len(keys) == 5 and all(len(k) == 64 and "203.0.113" not in k for k in keys)


def test_an_upload_refused_by_another_worker_is_refused_here(tmp_path, atlas_db):
    """Two app processes (two apps here) on one database: uploads are counted together, not per process."""
    from conftest import copy_sqlite

    from sqlalchemy import delete

    from policy_atlas import store
    from policy_atlas.store.schema import rate_hits

    copy_sqlite(atlas_db.removeprefix("sqlite:///"), tmp_path / "atlas.sqlite")
    url = f"sqlite:///{tmp_path / 'atlas.sqlite'}"
    with store.connect(url).begin() as conn:
        conn.execute(delete(rate_hits))  # the hits earlier tests made on the database this one copies
    apps = [_app(url, rates={"ingest": "2/minute", "api": "100/minute", "login": "2/minute"}) for _ in range(2)]
    with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
        codes = [client.post("/api/ingest", files=[("files", ("a.txt", b"Gent"))]).status_code
                 for client in (first, second, second, first)]
        assert codes == [200, 200, 429, 429]
