"""Login flood: the web process's memory while anyone, without an account, posts failed
logins (issue 23 item 5: 1,500 unique 450 KB user names took it from 79 MB to 728 MB).

    python benchmarks/login_flood.py [--long 1500] [--long-kb 450] [--short 100]

Starts the real `opinion-monitor web` (waitress on 127.0.0.1) on a fresh database, reads
its RSS, then posts `--long` failed logins with unique names of `--long-kb` KB each and
`--short` failed logins with unique names an account could have (each runs the real
argon2id verification, so these are slow), reading the RSS after each round. Also shows
the largest Set-Cookie seen and the answer to an empty password. Prints figures; asserts
nothing."""

from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.web import free_port  # noqa: E402


class Client:
    """One keep-alive HTTP connection with the session cookie (login pages only)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""
        self.largest_cookie = 0

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.largest_cookie = max(self.largest_cookie, len(cookie))
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data

    def token(self) -> str:
        _, page = self.request("GET", "/login")
        found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        assert found, "no csrf_token on /login"
        return found.group(1).decode()

    def login(self, token: str, name: str, password: str) -> int:
        body = urllib.parse.urlencode(
            {"username": name, "password": password, "csrf_token": token}
        ).encode()
        status, _ = self.request("POST", "/login", body)
        return status


def rss_mb(pid: int) -> float:
    import psutil

    return float(psutil.Process(pid).memory_info().rss) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--long", type=int, default=1500, help="failed logins with long names")
    parser.add_argument("--long-kb", type=int, default=450, help="size of each long name (KB)")
    parser.add_argument("--short", type=int, default=100, help="failed logins, plausible names")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "monitor.toml"
        config.write_text('[monitor]\ndatabase = "sqlite:///bench.db"\n', encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(config), "init"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        port = free_port()
        child = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "web", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(200):
                try:
                    client = Client(port)
                    token = client.token()
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                raise SystemExit("the web process did not start")
            print(f"{'round':<44}{'requests':>9}{'seconds':>9}{'RSS MB':>8}", flush=True)
            print(f"{'started':<44}{0:>9}{0:>9.1f}{rss_mb(child.pid):>8.0f}", flush=True)
            began = time.perf_counter()
            statuses: dict[int, int] = {}
            for i in range(args.long):
                name = f"{i:06d}" + "x" * (args.long_kb * 1024 - 6)
                status = client.login(token, name, "guess")
                statuses[status] = statuses.get(status, 0) + 1
                if (i + 1) % 100 == 0:
                    print(f"  {i + 1} long names …", end="\r", file=sys.stderr, flush=True)
            label = f"{args.long} unique {args.long_kb} KB names"
            took = time.perf_counter() - began
            print(f"{label:<44}{args.long:>9}{took:>9.1f}{rss_mb(child.pid):>8.0f}", flush=True)
            began = time.perf_counter()
            for i in range(args.short):
                status = client.login(token, f"user{i:05d}", "guess")
                statuses[status] = statuses.get(status, 0) + 1
            label = f"{args.short} unique plausible names"
            took = time.perf_counter() - began
            print(f"{label:<44}{args.short:>9}{took:>9.1f}{rss_mb(child.pid):>8.0f}", flush=True)
            print(f"answers: {dict(sorted(statuses.items()))}")
            print(f"largest Set-Cookie: {client.largest_cookie} bytes")
            empty = [client.login(token, "admin", "") for _ in range(10)]
            print(f"10 empty passwords for one name: answers {sorted(set(empty))} (429 = locked)")
        finally:
            child.terminate()
            child.wait(10)


if __name__ == "__main__":
    main()
