"""A ``tripskg serve`` process for tests: started on a free port, stopped cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx


class ServerProcess:
    def __init__(self, dist: Path, port: int, args: list[str],
                 env: dict[str, str] | None = None) -> None:
        self.dist = dist
        self.port = port
        self.args = args
        self.env = env or {}  # on top of this process's environment (e.g. TMPDIR)
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = dist.parent / f"serve-{port}.log"

    def start(self, wait: float = 90.0) -> ServerProcess:
        cmd = [sys.executable, "-m", "tripskg.cli", "serve", "--dist", str(self.dist),
               "--host", "127.0.0.1", "--port", str(self.port), *self.args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
