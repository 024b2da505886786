"""Shared plumbing: paths, server processes, wrk runs and their results."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from bench import memory

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
SCENARIOS = BENCH / "scenarios"
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
DURATION = float(os.environ.get("BENCH_DURATION", "3" if QUICK else "10"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "1" if QUICK else "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
PROFILE = {kind for kind in os.environ.get("BENCH_PROFILE", "").split(",") if kind}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def pg_dsn(database: str) -> str:
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_wrk() -> str:
    """wrk from the distribution's packages, installed when missing (needs root or sudo)."""
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk is missing: installing it with apt-get")
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*prefix, "apt-get", "install", "-y", "-q", "wrk"], check=False, env=env)
    found = shutil.which("wrk")
    if not found:
        subprocess.run([*prefix, "apt-get", "update", "-q"], check=True, env=env)
        subprocess.run([*prefix, "apt-get", "install", "-y", "-q", "wrk"], check=True, env=env)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("could not install wrk; install it (apt-get install wrk) and retry")
    return found


# --- servers --------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid


def wait_until_up(url: str, process: subprocess.Popen[bytes], *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server {url} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"server {url} did not start in {timeout} s")


@contextmanager
def serve(
    name: str, command: list[str], *, env: Mapping[str, str], port: int, probe: str = "/"
) -> Iterator[Server]:
    """Run a server process until the block ends; its output goes to bench/out/<name>.log."""
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / f"{name}.log").open("ab") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=output
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url + probe, process)
            yield Server(name=name, url=url, process=process)
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def uvicorn_command(app: str, port: int) -> list[str]:
    """The same server settings for the product and its floor: one process, uvloop, httptools."""
    return [
        str(VENV_BIN / "python"), "-m", "uvicorn", app, "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--loop", "uvloop", "--http", "httptools",
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip


# --- wrk ------------------------------------------------------------------------------------


@dataclass
class Measure:
    """One wrk run: throughput, latency percentiles, errors and the server's peak memory."""

    scenario: str
    db: str
    target_kind: str  # "product", "floor" or "scale"
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    peak_rss_mb: float | None
    connections: int
    rate: float | None = None
    # Server CPU (user + system) per request: steadier than rps on a shared machine.
    cpu_ms_per_request: float | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def wrk(
    *,
    server: Server,
    script: str,
    path: str,
    env: Mapping[str, str],
    scenario: str,
    db: str,
    kind: str,
    duration: float = DURATION,
    warmup: float = WARMUP,
    connections: int = CONNECTIONS,
    rate: float | None = None,
    threads: int = THREADS,
) -> Measure:
    """Warm up, reset the server's peak RSS, then measure one wrk run of ``script``."""
    binary = ensure_wrk()
    threads = min(threads, connections)
    script_env = {
        **os.environ,
        **env,
        "BENCH_LUA_DIR": str(SCENARIOS),
        "BENCH_THREADS": str(threads),
    }
    if rate:
        script_env["BENCH_RATE"] = str(rate)
    command = [binary, f"-t{threads}", f"-c{connections}", "--latency"]
    script_path = str(SCENARIOS / script)
    if warmup > 0:
        subprocess.run(
            [*command, f"-d{max(1, round(warmup))}s", "-s", script_path, server.url + path],
            env=script_env, check=True, capture_output=True, timeout=warmup + 60,
        )  # fmt: skip
    memory.reset_peak(server.pid)
    cpu_before = cpu_seconds(server.pid)
    profiler = _profile(server, scenario, duration) if kind in PROFILE else None
    result = subprocess.run(
        [*command, f"-d{max(1, round(duration))}s", "--timeout", "5s", "-s", script_path,
         server.url + path],
        env=script_env, check=True, capture_output=True, text=True, timeout=duration + 60,
    )  # fmt: skip
    if profiler is not None:
        profiler.wait(timeout=60)
    cpu_used = cpu_seconds(server.pid) - cpu_before
    data = _result_line(result.stdout)
    seconds = data["duration_us"] / 1e6
    errors = sum(
        int(data[key])
        for key in ("errors_connect", "errors_read", "errors_write", "errors_status",
                    "errors_timeout")
    )  # fmt: skip
    measure = Measure(
        scenario=scenario,
        db=db,
        target_kind=kind,
        rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
        requests=int(data["requests"]),
        peak_rss_mb=memory.peak_rss_mb(server.pid),
        connections=connections,
        rate=rate,
        cpu_ms_per_request=1000 * cpu_used / data["requests"] if data["requests"] else None,
    )
    log(
        f"{kind:<7} {db:<6} {scenario:<28} {measure.rps:8.1f} rps  p50 {measure.p50_ms:6.2f} ms"
        f"  p99 {measure.p99_ms:7.2f} ms  errors {errors}"
        f"  cpu {measure.cpu_ms_per_request or 0:.2f} ms/req"
    )
    return measure


def _profile(server: Server, scenario: str, duration: float) -> subprocess.Popen[bytes] | None:
    """py-spy on the server while wrk runs (BENCH_PROFILE=product), as collapsed stacks."""
    spy = shutil.which("py-spy") or str(VENV_BIN / "py-spy")
    if not Path(spy).exists():
        log("BENCH_PROFILE is set but py-spy is missing: pip install py-spy")
        return None
    slug = "".join(ch if ch.isalnum() else "-" for ch in f"{server.name}-{scenario}").lower()
    output = OUT / f"profile-{slug}.txt"
    return subprocess.Popen(
        [spy, "record", "--pid", str(server.pid), "--duration", str(max(1, round(duration))),
         "--rate", "200", "--format", "raw", "--nonblocking", "-o", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _result_line(stdout: str) -> dict[str, float]:
    for line in stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            parsed: dict[str, float] = json.loads(line.removeprefix("BENCH_RESULT "))
            return parsed
    raise RuntimeError(f"wrk printed no result:\n{stdout}")
