"""Prometheus metrics, counted in every process and read at ``GET /metrics``.

Several processes on one machine (``commercy serve --workers N`` and ``commercy worker``) count
into files under one directory, ``PROMETHEUS_MULTIPROC_DIR``, which any of them adds up when
scraped. prometheus-client chooses between memory and those files when it is first imported,
so it is imported here on first use only, after the command has chosen the directory.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class Metrics:
    requests: Counter
    request_seconds: Histogram
    rate_limit_refusals: Counter
    webhook_events: Counter
    job_runs: Counter
    pool_checked_out: Gauge
    pool_waiting: Gauge


@functools.cache
def metrics() -> Metrics:
    from prometheus_client import Counter, Gauge, Histogram

    return Metrics(
        requests=Counter(
            "commercy_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
        ),
        request_seconds=Histogram(
            "commercy_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
        ),
        rate_limit_refusals=Counter(
            "commercy_rate_limit_refusals", "Requests refused with 429, by budget", ["scope"]
        ),
        webhook_events=Counter(
            "commercy_digishare_webhook_events",
            "Digishare webhook calls received, by what they did",
            ["outcome"],
        ),
        job_runs=Counter(
            "commercy_outbox_job_runs",
            "Outbox job attempts, by kind and outcome (done, retry, failed, lease_lost)",
            ["kind", "outcome"],
        ),
        pool_checked_out=Gauge(
            "commercy_db_pool_checked_out",
            "Database connections in use, by process",
            multiprocess_mode="livesum",
        ),
        pool_waiting=Gauge(
            "commercy_db_pool_waiting",
            "Requests and jobs waiting for a pooled database connection (PostgreSQL)",
            multiprocess_mode="livesum",
        ),
    )


def use_directory(directory: Path) -> None:
    """Count into files under ``directory`` (unless the environment chose one), shared by
    every process of this machine; files of processes that are gone are removed."""
    chosen = Path(os.environ.setdefault(MULTIPROC_ENV, str(directory)))
    chosen.mkdir(parents=True, exist_ok=True)
    for path in chosen.glob("*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_exited() -> None:
    """A counting process that ends marks its live gauges gone."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def exposition(extra: CollectorRegistry | None = None) -> bytes:
    """Every process's metrics in Prometheus' text format, then ``extra``'s."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

    metrics()  # registered even before the first request counts
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    text = generate_latest(registry)
    return text + generate_latest(extra) if extra is not None else text
