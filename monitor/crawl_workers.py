"""The crawl worker pool: a few long-lived Scrapy processes (`python -m spiders.worker`), each
running many sources at once, fed by this process, which alone writes the database (docs/deployment.md).

The pool decides what runs when:

* each polite site (delay > 0) has one job at a time across the whole pool, so the site sees
  one connection and its `delay` between requests (Scrapy keeps the delay within a job; the
  sections of one site queue one after another);
* at most `concurrency` jobs run at once over all workers (the global bound), spread over at
  most `workers` processes, started when there is work for them;
* a job past its time limit is cancelled in its worker; if the worker does not let go within
  `KILL_GRACE`, the worker is killed (its other jobs run again elsewhere);
* a worker that retires (after its job or memory limit) or dies is replaced on demand; the jobs
  it was running are given to another worker once (what they had sent is kept by the caller),
  and fail the second time.

Callers submit `PoolJob`s with a `queue.Queue` of their own and read events from it, each led
by the job's id: `(id, "rows", rows)` batches while the job runs, `(id, "restart", reason)` when
its worker died and it starts again, and exactly one `(id, "done", stats, log)` at the end.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from monitor.errors import MonitorError

log = logging.getLogger(__name__)

KILL_GRACE = 10.0  # seconds a cancelled job gets to close before its worker is killed
TICK = 0.2  # seconds between checks of time limits
SPREAD = 32  # jobs per live worker before the pool starts another (up to `workers`)
STDERR_TAIL = 2000  # characters of a dead worker's stderr quoted in its jobs' errors


@dataclass
class PoolJob:
    id: str
    document: dict[str, Any]
    site: str | None  # a polite site's key (one job at a time), None when impolite
    timeout: float
    events: queue.Queue[tuple[Any, ...]]
    attempts: int = 0
    deadline: float = 0.0
    worker: _WorkerProcess | None = None
    timed_out: bool = False
    reported: bool = False  # the caller has its final event


@dataclass
class _WorkerProcess:
    process: subprocess.Popen[bytes]
    stderr_path: Path
    jobs: dict[str, PoolJob] = field(default_factory=dict)
    retiring: bool = False
    dead: bool = False
    killed: bool = False
    started: int = 0  # jobs given to it

    def stderr_tail(self) -> str:
        try:
            text = self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return text[-STDERR_TAIL:].strip()


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


class CrawlPool:
    """Long-lived crawl workers shared by every crawl of this process (thread-safe)."""

    def __init__(
        self,
        workers: int = 2,
        concurrency: int = 64,
        max_jobs: int = 5000,
        max_rss_mb: float = 400.0,
        log_dir: Path | None = None,
    ) -> None:
        self.max_workers = max(1, workers)
        self.concurrency = max(1, concurrency)
        self.max_jobs = max_jobs
        self.max_rss_mb = max_rss_mb
        self._own_dir = log_dir is None
        self.log_dir = log_dir or Path(tempfile.mkdtemp(prefix="om-workers-"))
        self._lock = threading.RLock()
        self._waiting: deque[PoolJob] = deque()
        self._busy_sites: set[str] = set()
        self._workers: list[_WorkerProcess] = []
        self._closed = False
        self.spawned = 0  # workers started over the pool's life (benchmarks, tests)
        self._ticker = threading.Thread(target=self._tick, name="crawl-pool", daemon=True)
        self._ticker.start()

    # ---- the caller's side -----------------------------------------------------------------
    def submit(self, job: PoolJob) -> None:
        with self._lock:
            if self._closed:
                # a crawl asked for while the daemon is stopping: said as such, in words
                raise MonitorError("抓取进程池已关闭（守护进程正在停止），本次抓取未开始")
            self._waiting.append(job)
            self._dispatch()

    @property
    def processes(self) -> list[int]:
        """Pids of the live workers."""
        with self._lock:
            return [w.process.pid for w in self._workers if not w.dead]

    def close(self, timeout: float = 10.0) -> None:
        """Stop every worker (end of input; killed if it does not exit in time)."""
        with self._lock:
            self._closed = True
            workers = list(self._workers)
        for worker in workers:
            self._close_stdin(worker)
        deadline = time.monotonic() + timeout
        for worker in workers:
            try:
                worker.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
        if self._own_dir:
            import shutil

            shutil.rmtree(self.log_dir, ignore_errors=True)

    def __enter__(self) -> CrawlPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- scheduling (under the lock) -------------------------------------------------------
    def _capacity(self) -> int:
        return -(-self.concurrency // self.max_workers)  # jobs at once per worker

    def _dispatch(self) -> None:
        running = self._running()
        skipped: list[PoolJob] = []
        while self._waiting and running < self.concurrency:
            job = self._waiting.popleft()
            if job.site is not None and job.site in self._busy_sites:
                skipped.append(job)
                continue
            worker = self._worker_for(len(self._waiting) + len(skipped) + 1)
            if worker is None:
                skipped.append(job)
                break
            self._send_job(worker, job)
            running += 1
        self._waiting.extendleft(reversed(skipped))

    def _worker_for(self, outstanding: int) -> _WorkerProcess | None:
        live = [w for w in self._workers if not w.dead and not w.retiring]
        free = [w for w in live if len(w.jobs) < self._capacity()]
        # one worker runs a few sources as well as two (they wait on the network, not the
        # CPU); another starts when every live one is full or the work is large enough to
        # use a second core
        wanted = not free or outstanding + self._running() > SPREAD * len(live)
        if len(live) < self.max_workers and wanted and not self._closed:
            return self._spawn()
        if not free:
            return None
        return min(free, key=lambda w: len(w.jobs))

    def _running(self) -> int:
        return sum(len(w.jobs) for w in self._workers if not w.dead)

    def _spawn(self) -> _WorkerProcess:
        self.spawned += 1
        stderr_path = self.log_dir / f"worker-{self.spawned}.err"
        with open(stderr_path, "wb") as err:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "spiders.worker",
                    "--max-jobs",
                    str(self.max_jobs),
                    "--max-rss-mb",
                    str(self.max_rss_mb),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                env=_child_env(),
            )
        worker = _WorkerProcess(process, stderr_path)
        self._workers.append(worker)
        threading.Thread(
            target=self._read, args=(worker,), name=f"crawl-worker-{process.pid}", daemon=True
        ).start()
        log.info("crawl worker %d started", process.pid)
        return worker

    def _send_job(self, worker: _WorkerProcess, job: PoolJob) -> None:
        job.attempts += 1
        job.worker = worker
        job.deadline = time.monotonic() + job.timeout
        worker.jobs[job.id] = job
        worker.started += 1
        if job.site is not None:
            self._busy_sites.add(job.site)
        self._write(worker, {"op": "job", "id": job.id, "job": job.document})

    def _write(self, worker: _WorkerProcess, message: dict[str, Any]) -> None:
        stdin: IO[bytes] | None = worker.process.stdin
        try:
            assert stdin is not None
            stdin.write(json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n")
            stdin.flush()
        except (OSError, ValueError, AssertionError):
            pass  # a dead worker: its reader sees the end and re-runs its jobs

    def _close_stdin(self, worker: _WorkerProcess) -> None:
        try:
            if worker.process.stdin is not None:
                worker.process.stdin.close()
        except OSError:
            pass

    def _release(self, worker: _WorkerProcess, job: PoolJob) -> None:
        worker.jobs.pop(job.id, None)
        if job.site is not None:
            self._busy_sites.discard(job.site)

    # ---- events from a worker (its reader thread) ------------------------------------------
    def _read(self, worker: _WorkerProcess) -> None:
        stdout = worker.process.stdout
        assert stdout is not None
        for line in stdout:
            try:
                event = json.loads(line)
            except ValueError:
                log.warning("crawl worker %d wrote a bad line: %r", worker.process.pid, line[:200])
                continue
            self._event(worker, event)
        worker.process.wait()
        self._worker_gone(worker)

    def _event(self, worker: _WorkerProcess, event: dict[str, Any]) -> None:
        kind = event.get("ev")
        with self._lock:
            job = worker.jobs.get(str(event.get("id")))
            if kind == "rows" and job is not None and not job.reported:
                job.events.put((job.id, "rows", event.get("rows") or []))
            elif kind == "done" and job is not None:
                self._release(worker, job)
                if not job.reported:
                    job.reported = True
                    job.events.put(
                        (job.id, "done", event.get("stats") or {}, event.get("log") or "")
                    )
                self._dispatch()
            elif kind == "refused" and job is not None:
                self._release(worker, job)
                job.attempts -= 1
                self._waiting.appendleft(job)
                self._dispatch()
            elif kind == "retiring":
                worker.retiring = True
                log.info(
                    "crawl worker %d retires after %s jobs (%s MB)",
                    worker.process.pid,
                    event.get("jobs"),
                    event.get("rss_mb"),
                )
                if not worker.jobs:
                    self._close_stdin(worker)
                self._dispatch()
            if worker.retiring and not worker.jobs:
                self._close_stdin(worker)

    def _worker_gone(self, worker: _WorkerProcess) -> None:
        code = worker.process.returncode
        with self._lock:
            worker.dead = True
            orphans = list(worker.jobs.values())
            for job in orphans:
                self._release(worker, job)
            if orphans or (code and not worker.killed):
                log.warning(
                    "crawl worker %d exited with code %s, %d jobs in flight",
                    worker.process.pid,
                    code,
                    len(orphans),
                )
            tail = worker.stderr_tail()
            for job in orphans:
                if job.reported:
                    continue
                if job.timed_out or job.attempts >= 2:
                    job.reported = True
                    error = (
                        f"抓取超时（超过 {job.timeout:g} 秒，已终止）"
                        if job.timed_out
                        else f"抓取进程异常退出（代码 {code}）{tail[-500:]}"
                    )
                    stats = {"ok": False, "complete": False, "error": error, "requests": 0}
                    job.events.put((job.id, "done", stats, tail))
                else:
                    job.events.put((job.id, "restart", f"抓取进程异常退出（代码 {code}）"))
                    self._waiting.appendleft(job)
            self._workers.remove(worker)
            if not self._closed:
                self._dispatch()

    # ---- time limits -----------------------------------------------------------------------
    def _tick(self) -> None:
        while True:
            time.sleep(TICK)
            now = time.monotonic()
            with self._lock:
                if self._closed and not self._workers:
                    return
                for worker in list(self._workers):
                    for job in list(worker.jobs.values()):
                        if not job.timed_out and now > job.deadline:
                            job.timed_out = True
                            self._write(worker, {"op": "cancel", "id": job.id})
                            if not job.reported:
                                job.reported = True
                                error = f"抓取超时（超过 {job.timeout:g} 秒，已终止）"
                                stats = {
                                    "ok": False,
                                    "complete": False,
                                    "error": error,
                                    "requests": 0,
                                }
                                job.events.put((job.id, "done", stats, ""))
                        elif job.timed_out and now > job.deadline + KILL_GRACE and not worker.dead:
                            # the job will not let go: the worker goes, its other jobs run again
                            log.warning(
                                "crawl worker %d killed: %s did not stop",
                                worker.process.pid,
                                job.id,
                            )
                            worker.killed = True
                            worker.process.kill()
