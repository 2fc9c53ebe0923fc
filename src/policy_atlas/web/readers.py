"""Uploaded documents are read outside the web process: a bounded pool of worker processes, each with a
memory limit (RLIMIT_AS) and a wall-time limit per document. A worker that runs out of time or memory, or
dies, is replaced; that file gets a clear error and the other files still come back."""
from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from multiprocessing.connection import Connection

START_SECONDS = 120.0  # a fresh worker loads the atlas before its first document; not counted per document


class Worker:
    def __init__(self, ctx, url: str, memory: int):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, url, memory), daemon=True, name="atlas-reader")
        self.process.start()
        child.close()
        self.ready = False

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class ReaderPool:
    def __init__(self, url: str, workers: int, seconds: float, memory: int):
        self.url, self.seconds, self.memory = url, seconds, memory
        self._ctx = multiprocessing.get_context("spawn")
        self._slots = threading.BoundedSemaphore(workers)
        self._idle: queue.LifoQueue[Worker] = queue.LifoQueue()
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._busy = 0

    def busy(self) -> int:
        """How many documents are being read right now."""
        return self._busy

    def read(self, name: str, data: bytes, version: str) -> dict:
        """Blocking: wait for a free worker, hand it the document, wait at most `seconds` for the result."""
        with self._slots:
            worker = self._take()
            with self._lock:
                self._busy += 1
            try:
                return self._read(worker, name, data, version)
            finally:
                with self._lock:
                    self._busy -= 1

    def _read(self, worker: Worker, name: str, data: bytes, version: str) -> dict:
        try:
            if not worker.ready:
                if not worker.conn.poll(START_SECONDS):
                    return self._fail(worker, name, "no reader process could start in time; try again later")
                worker.conn.recv()
                worker.ready = True
            worker.conn.send((name, data, version))
            if not worker.conn.poll(self.seconds):
                return self._fail(worker, name, f"reading took longer than {self.seconds:g} s and was stopped")
            result, alive = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(timeout=5)
            code = worker.process.exitcode
            how = f"was killed (signal {-code})" if code and code < 0 else f"stopped (exit code {code})"
            return self._fail(worker, name, f"the reader process {how}, probably out of memory; the file was not read")
        if alive:
            self._idle.put(worker)
        else:
            self._drop(worker)
        return result

    def warm(self) -> None:
        """Start a worker ahead of an upload (the upload form was opened), unless one is idle or all are busy."""
        if self._idle.empty() and self._slots.acquire(blocking=False):
            try:
                self._idle.put(self._take())
            finally:
                self._slots.release()

    def _take(self) -> Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            worker = Worker(self._ctx, self.url, self.memory)
            with self._lock:
                self._all.add(worker)
            return worker

    def _fail(self, worker: Worker, name: str, why: str) -> dict:
        self._drop(worker)
        return {"file": name, "error": f"{name}: {why}"}

    def _drop(self, worker: Worker) -> None:
        worker.stop()
        with self._lock:
            self._all.discard(worker)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._all if w.process.is_alive()]

    def close(self) -> None:
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()


def _serve(conn: Connection, url: str, memory: int) -> None:
    """The worker: load the atlas, limit this process's address space, then read documents until told to stop."""
    import resource

    from .. import store
    from ..ingest import Ingester
    from ..queries import Atlas

    engine = store.connect(url)

    def load():
        atlas = Atlas.open(engine)
        return atlas.version, Ingester(atlas).loaded()

    loaded, ingester = load()
    _, hard = resource.getrlimit(resource.RLIMIT_AS)

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (_address_space() + memory, hard))

    limit_memory()
    os.nice(10)  # pages first: reading documents yields the processor to the web process
    conn.send("ready")
    while True:
        try:
            name, data, version = conn.recv()
        except EOFError:
            return
        alive = True
        try:
            if version != loaded:
                resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
                loaded, ingester = load()
                limit_memory()
            result = ingester.read(name, data)
        except MemoryError:
            result, alive = {"file": name, "error": f"{name}: reading needed more than "
                             f"{memory // 1_048_576} MB of memory and was stopped"}, False
        except Exception as exc:  # a reader bug must not take the other files down; say which file
            result = {"file": name, "error": f"{name}: could not be read ({type(exc).__name__}: {exc})"}
        conn.send((result, alive))
        if not alive:
            return


def _address_space() -> int:
    with open(f"/proc/{os.getpid()}/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
