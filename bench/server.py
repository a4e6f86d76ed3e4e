"""gunicorn for the bench: start it on a free local port, find its workers, read their peak memory, stop it."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.scale_env import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_memory_kib(pid: int) -> int:
    """VmHWM: the process's peak resident set size so far, in KiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Fields after the command name (which may hold spaces) start after the last ')'.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


class Gunicorn:
    """`gunicorn rapport.wsgi -w WORKERS` in the bench environment, logging to `log_path`."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 2):
        self.port = free_port()
        self.workers = workers
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115 (closed in stop)
        command = [sys.executable, "-m", "gunicorn", "rapport.wsgi", "-w", str(workers),
                   "-b", f"127.0.0.1:{self.port}", "--timeout", "120",
                   # gunicorn 27's control socket has one default path per user: two servers would share it.
                   "--no-control-socket"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until /healthz answers 200 and every worker has booted."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start-up; see {self.log_path}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200 and len(self.worker_pids()) == self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def worker_cpu_seconds(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.worker_pids())

    def worker_peak_memory_kib(self) -> list[int]:
        return [peak_memory_kib(pid) for pid in self.worker_pids()]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class TaskWorkers:
    """`count` plain `manage.py db_worker --queue-name pdf` processes (what `make run` and docs/deployment.md
    start for single PDFs), at `niceness` (0: as the web workers; 10: the web workers come first for the CPU)."""

    def __init__(self, env: dict[str, str], log_path: Path, *, count: int = 2, niceness: int = 0,
                 queues: str = "pdf"):
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115 (closed in stop)
        command = [sys.executable, "manage.py", "db_worker", "--queue-name", queues, "--interval", "0.2",
                   "--no-startup-delay", "--no-reload", "--verbosity", "0"]
        if niceness:
            command = ["nice", "-n", str(niceness), *command]
        self.processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
                          for _ in range(count)]

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(process.pid) for process in self.processes if process.poll() is None)

    def peak_memory_kib(self) -> list[int]:
        return [peak_memory_kib(process.pid) for process in self.processes if process.poll() is None]

    def check_alive(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"a task worker exited ({process.returncode}); see {self.log_path}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # db_worker: finish the current task, then stop
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.log.close()
