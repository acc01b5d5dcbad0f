"""Running the steps: child processes in their own process group with a timeout and a memory watchdog, servers, and the build's own step timings."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tripskg.workers import die_with_parent

from .common import fmt_s


# =========================================================================== processes
@dataclass
class Run:
    """One child process: wall seconds, peak RSS (KB), exit, and what it printed."""

    ok: bool
    seconds: float
    rss_kb: int = 0
    reason: str = ""
    stderr: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    cpu_s: float = 0.0  # user + system CPU of the process and the children it waited for
    pss_kb: int = 0  # peak of the sum of its processes' Pss, sampled every PSS_EVERY s

    @property
    def status(self) -> str:
        return "ok" if self.ok else self.reason


PSS_EVERY = 10.0  # seconds between two samples of a step's Pss


def _group(pgid: int) -> Iterator[tuple[str, list[str]]]:
    """(pid, fields of /proc/PID/stat after "(comm)") of every live process of a group:
    ``fields[i]`` is field ``i + 3`` of proc(5)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == pgid:  # field 5 (pgrp)
                yield entry, fields
        except (OSError, ValueError, IndexError):
            continue


def _group_rss_kb(pgid: int, proportional: bool = False) -> int:
    """Memory of every process in a process group (from /proc): the sum of their RSS, or
    (``proportional``) of their proportional set sizes (Pss), where pages a forked worker
    shares with the build process count once, not once per process (slower to read: the
    kernel walks every mapping; RSS where smaps_rollup cannot be read)."""
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    return sum((proportional and _pss_kb(pid)) or int(fields[21]) * page_kb
               for pid, fields in _group(pgid))


def group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of a group, with those
    of the children they have waited for (fields 14-17 of proc(5))."""
    ticks = sum(sum(int(f) for f in fields[11:15]) for _, fields in _group(pgid))
    return ticks / os.sysconf("SC_CLK_TCK")


def _pss_kb(pid: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def vm_hwm_kb(pgid: int) -> dict[int, int]:
    """Peak RSS (VmHWM) of each live process of a group."""
    out = {}
    for pid, _ in _group(pgid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out[int(pid)] = int(line.split()[1])
    return out


def run_child(cmd: list[str], timeout: float, mem_limit_kb: int, log: Path,
              cwd: Path | None = None, json_out: Path | None = None) -> Run:
    """Run one measured step in its own process group; kill it on timeout or memory limit."""
    with log.open("w", encoding="utf-8") as errf:
        errf.write("$ " + shlex.join(cmd) + "\n")
        errf.flush()
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdout=errf, stderr=errf, cwd=cwd,
                                    start_new_session=True, stdin=subprocess.DEVNULL)
        except OSError as e:
            return Run(False, 0.0, reason=f"failed: cannot start: {e}")
        reason = ""
        done: dict[str, Any] = {}

        def wait() -> None:  # blocking wait4: the end time is exact, the rusage is this child's
            _, done["status"], done["rusage"] = os.wait4(proc.pid, 0)
            done["t"] = time.perf_counter()

        waiter = threading.Thread(target=wait, daemon=True)
        waiter.start()
        pss_peak, pss_next = 0, t0 + 1.0
        while waiter.is_alive():
            waiter.join(0.5)
            if not waiter.is_alive() or reason:
                continue
            if time.perf_counter() >= pss_next:  # smaps_rollup walks every mapping: not often
                pss_peak = max(pss_peak, _group_rss_kb(proc.pid, proportional=True))
                pss_next = time.perf_counter() + PSS_EVERY
            if time.perf_counter() - t0 > timeout:
                reason = f"failed: timed out after {timeout:.0f} s"
                _kill_group(proc.pid)
            elif _group_rss_kb(proc.pid) > mem_limit_kb and (
                    rss := _group_rss_kb(proc.pid, proportional=True)) > mem_limit_kb:
                reason = (f"failed: stopped at {rss / 2**20:.1f} GB (Pss) "
                          f"(memory limit {mem_limit_kb / 2**20:.1f} GB)")
                _kill_group(proc.pid)
        seconds = done["t"] - t0
        status, rusage = done["status"], done["rusage"]
        proc.returncode = os.waitstatus_to_exitcode(status)
        _kill_group(proc.pid)  # leftovers of the step, if any
    text = log.read_text(encoding="utf-8", errors="replace")
    rss = rusage.ru_maxrss if rusage else 0
    if not reason and proc.returncode != 0:
        lines = [ln for ln in text.splitlines()[1:] if ln.strip()]
        last = next((ln for ln in reversed(lines) if re.search(r"error|Error|violation", ln)),
                    lines[-1] if lines else "")
        reason = f"failed: exit {proc.returncode}: {last.strip()[:300]}"
    data: dict[str, Any] = {}
    if not reason and json_out is not None:
        try:
            data = json.loads(json_out.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            reason = f"failed: no result file ({e})"
    cpu = rusage.ru_utime + rusage.ru_stime if rusage else 0.0
    return Run(not reason, seconds, rss, reason, text, data, cpu, pss_peak)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    startup_s: float
    log: Path

    def peak_rss(self) -> dict[int, int]:
        return vm_hwm_kb(self.proc.pid)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(20)
        _kill_group(self.proc.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)


def start_server(cmd: list[str], probe: urllib.request.Request, url: str, timeout: float,
                 log: Path, env: dict[str, str] | None = None) -> Server:
    """Start a server on 127.0.0.1 and wait until `probe` answers 200."""
    errf = log.open("w", encoding="utf-8")
    errf.write("$ " + shlex.join(cmd) + "\n")
    errf.flush()
    t0 = time.perf_counter()
    # dies with the process that started it: a step stopped at its timeout leaves no server
    # running (and loading the machine) behind it
    proc = subprocess.Popen(cmd, stdout=errf, stderr=errf, start_new_session=True,
                            stdin=subprocess.DEVNULL, env=env, preexec_fn=die_with_parent)
    errf.close()
    server = Server(proc, url, 0.0, log)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 only
    while True:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:]
            raise RuntimeError(f"server exited ({proc.returncode}): {' '.join(tail)[:300]}")
        if time.perf_counter() - t0 > timeout:
            server.stop()
            raise RuntimeError(f"server not ready after {timeout:.0f} s")
        try:
            with opener.open(probe, timeout=5) as r:
                if r.status == 200:
                    server.startup_s = time.perf_counter() - t0
                    return server
        except OSError:
            pass
        time.sleep(0.5)


# =========================================================================== build steps
STEP = re.compile(r"^\s*(\d+(?:\.\d+)?)s (.+)$")
JOB_DONE = re.compile(r"^done: (\S+) \((\d+(?:\.\d+)?)s(?:, (\d+(?:\.\d+)?) CPU-s)?\)$")
BUILT = re.compile(r"^built .*\((\d+(?:\.\d+)?)s\)\s*$")


def build_steps(stderr: str, wall: float) -> list[tuple[str, float]]:
    """Seconds per step from `tripskg -v build`, whose lines give the elapsed time when a step
    starts ("  6.2s validating with SHACL"); "read <report>" lines mark reports already read."""
    events: list[tuple[float, str]] = []
    total = None
    for line in stderr.splitlines():
        if m := STEP.match(line):
            if JOB_DONE.match(m.group(2).strip()) or "unchanged (from the build cache)" in line:
                continue  # jobs of the parallel step end at their own times; see build_jobs
            events.append((float(m.group(1)), m.group(2).strip()))
        elif m := BUILT.match(line.strip()):
            total = float(m.group(1))
    if not events:
        return []
    end = total if total is not None else events[-1][0]
    reads = [t for t, msg in events if msg.startswith("read ")]
    rest = [(t, msg) for t, msg in events if not msg.startswith("read ")]
    steps: list[tuple[str, float]] = []
    if reads:
        steps.append((f"read sources ({len(reads)} reports; reference data first)", reads[-1]))
        nxt = rest[0][0] if rest else end
        steps.append(("assemble the graph (after the last report is read)", nxt - reads[-1]))
    elif rest:
        steps.append(("start until the first step", rest[0][0]))
    merged: list[list[Any]] = []
    for t, msg in rest:
        label = "SHACL validation" if msg.startswith("validating") else msg
        if merged and merged[-1][0] == label:
            continue
        merged.append([label, t])
    for i, (label, t) in enumerate(merged):
        t_next = merged[i + 1][1] if i + 1 < len(merged) else end
        steps.append((label, t_next - t))
    if total is not None:
        steps.append(("interpreter start, imports, exit (wall − reported)", max(0.0, wall - total)))
    return steps


def build_jobs(stderr: str, cpu: bool = False) -> dict[str, float]:
    """Seconds (``cpu``: CPU seconds) of the jobs of the parallel publishing step ("done:
    validate (6.1s, 5.9 CPU-s)"); the jobs writing pieces of one dump ("done: tripskg.ttl#3
    (2.0s)") are summed per dump, and the batches of held reports ("done: check-batch-2
    (30.1s)") in one row. With ``cpu``, also the query store's writer process ("query store
    written (35.2 CPU-s)")."""
    jobs: dict[str, float] = {}
    for line in stderr.splitlines():
        if (m := STEP.match(line)) and (d := JOB_DONE.match(m.group(2).strip())):
            name = re.sub(r"-\d+$", " (held reports, all batches)",
                          d.group(1).split("#")[0])
            value = d.group(3) if cpu else d.group(2)
            if value is not None:
                jobs[name] = round(jobs.get(name, 0.0) + float(value), 2)
        elif cpu and m and (q := STORE_CPU.match(m.group(2).strip())):
            jobs[QUERY_STORE_JOB] = float(q.group(1))
    return jobs


STORE_CPU = re.compile(r"^query store written \((\d+(?:\.\d+)?) CPU-s\)$")
QUERY_STORE_JOB = "query store (its own process, beside the jobs)"


def run_cell(run: Run | None) -> str:
    if run is None:
        return "–"
    return fmt_s(run.seconds) if run.ok else run.reason
