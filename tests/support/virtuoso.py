"""A scratch Virtuoso 7 for integration tests (Debian ``virtuoso-opensource-7-bin``).

    with Virtuoso.start(tmp_path) as v:
        v.sparql_url, v.crud_url, v.password, v.isql("SELECT 1;")

Starts ``virtuoso-t +foreground +configfile`` with a ``virtuoso.ini`` written into a temporary
folder, on 127.0.0.1 and two free high ports, waits until the HTTP endpoint answers, gives the
``dba`` account a fresh password, and stops the server (and removes nothing else) at the end.
``isql-vt`` exits 0 even when a statement fails, so :meth:`Virtuoso.isql` reads its output and
raises on ``*** Error``.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tripskg.workers import die_with_parent

VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"
RESULT_SET_MAX_ROWS = 1_000_000

INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ThreadsPerQuery = 2
DirsAllowed = ., {d}{extra_dirs}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}/www
MaxClientConnections = 8
ServerThreads = 8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""


def available() -> bool:
    return shutil.which(VIRTUOSO) is not None and shutil.which(ISQL) is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class VirtuosoError(RuntimeError):
    pass


class Virtuoso:
    def __init__(self, folder: Path, max_rows: int = RESULT_SET_MAX_ROWS,
                 dirs_allowed: tuple[Path, ...] = ()) -> None:
        self.folder = folder.resolve()
        self.max_rows = max_rows
        self.dirs_allowed = dirs_allowed
        self.sql_port = free_port()
        self.http_port = free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        self.password = "dba"
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_seconds = 0.0

    # ------------------------------------------------------------------ URLs
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        return f"{self.base_url}/sparql"

    @property
    def crud_url(self) -> str:
        return f"{self.base_url}/sparql-graph-crud-auth"

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def start(cls, folder: Path, **kw: object) -> Virtuoso:
        v = cls(folder, **kw)  # type: ignore[arg-type]
        try:
            v._start()
        except BaseException:
            v.stop()  # never leave a server behind (failed setup, Ctrl-C while waiting)
            raise
        return v

    def __enter__(self) -> Virtuoso:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start(self, timeout: float = 60.0) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "www").mkdir(exist_ok=True)
        extra = "".join(f", {p.resolve()}" for p in self.dirs_allowed)
        ini = self.folder / "virtuoso.ini"
        ini.write_text(INI.format(d=self.folder, sql_port=self.sql_port,
                                  http_port=self.http_port, max_rows=self.max_rows,
                                  extra_dirs=extra), encoding="utf-8")
        t0 = time.monotonic()
        log = (self.folder / "stdout.log").open("wb")
        self.proc = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=self.folder,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=die_with_parent,  # never outlives the tests or benchmark using it
        )
        log.close()
        while True:
            if self.proc.poll() is not None:
                raise VirtuosoError(f"virtuoso-t exited with {self.proc.returncode}:\n"
                                    + self.log_tail())
            if time.monotonic() - t0 > timeout:
                raise VirtuosoError(f"virtuoso-t not ready after {timeout:.0f}s:\n"
                                    + self.log_tail())
            if self._ready():
                break
            time.sleep(0.1)
        self.startup_seconds = time.monotonic() - t0
        new = "tkg" + secrets.token_hex(8)
        self.isql(f"USER_SET_PASSWORD('dba', '{new}');", password="dba")
        self.password = new

    def _ready(self) -> bool:
        query = urllib.parse.urlencode({"query": "ASK {}"})
        try:
            with urllib.request.urlopen(f"{self.sparql_url}?{query}", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, ConnectionError, OSError):
            return False

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # SIGTERM: virtuoso-t checkpoints and exits
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log_tail(self, n: int = 30) -> str:
        lines: list[str] = []
        for name in ("stdout.log", "virtuoso.log"):
            p = self.folder / name
            if p.exists():
                lines += p.read_text(errors="replace").splitlines()[-n:]
        return "\n".join(lines)

    # ------------------------------------------------------------------ isql
    def isql(self, sql: str, password: str | None = None, timeout: float = 300) -> str:
        """Run statements with isql-vt; raise if its output reports an error."""
        script = self.folder / f"isql-{secrets.token_hex(4)}.sql"
        script.write_text(sql if sql.rstrip().endswith(";") else sql + ";", encoding="utf-8")
        return self.isql_file(script, password, timeout)

    def isql_file(self, script: Path, password: str | None = None, timeout: float = 300) -> str:
        r = subprocess.run(
            [ISQL, f"127.0.0.1:{self.sql_port}", "dba", password or self.password,
             "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ERRORS=STDOUT", str(script)],
            capture_output=True, timeout=timeout, cwd=self.folder,
        )
        out = (r.stdout + r.stderr).decode("utf-8", "replace")
        # isql-vt exits 0 even when a statement fails: its output is the only signal
        if "*** Error" in out or r.returncode != 0:
            raise VirtuosoError(f"isql-vt failed (exit {r.returncode}) on {script.name}:\n{out}")
        return out

    def load_errors(self) -> list[str]:
        """Files of the bulk loader's LOAD_LIST that failed (``file: error``)."""
        out = self.isql("SELECT concat('LOAD', 'ERR|', ll_file, '|', ll_error) "
                        "FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;")
        # the marker is built by the query, so an echo of the statement cannot match it
        return [ln.split("LOADERR|", 1)[1].strip() for ln in out.splitlines()
                if "LOADERR|" in ln]
