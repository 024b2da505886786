"""The curl and Python examples (examples/): each runs against a real `commercy serve --demo`,
exits 0, names the order it created, and that order is there when read back through the API."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.examples.lossy_proxy import losing_first_create
from tests.hardening.processes import api_process

ROOT = Path(__file__).resolve().parents[2]
CURL_EXAMPLE = ROOT / "examples" / "curl" / "orders.sh"
PYTHON_EXAMPLE = ROOT / "examples" / "python" / "orders.py"
ASYNC_EXAMPLE = ROOT / "examples" / "python" / "orders_async.py"
CREATED = re.compile(r"^created order (ORD-\S+)", re.MULTILINE)


@dataclass(frozen=True)
class DemoServer:
    base_url: str
    logins: dict[str, dict[str, str]]  # role -> identifier, password

    def example_env(self, out_dir: Path, *, role: str = "reseller") -> dict[str, str]:
        login = self.logins[role]
        return {
            "PATH": os.environ["PATH"],
            "COMMERCY_BASE_URL": self.base_url,
            "COMMERCY_IDENTIFIER": login["identifier"],
            "COMMERCY_PASSWORD": login["password"],
            "COMMERCY_OUT_DIR": str(out_dir),
            "COMMERCY_PAGE_SIZE": "2",  # the demo's few orders then take several pages
        }

    def order(self, number: str) -> httpx.Response:
        return self.read_as_admin(f"/orders/{number}")

    def order_count(self) -> int:
        total: int = self.read_as_admin("/orders?limit=1").json()["pagination"]["total"]
        return total

    def read_as_admin(self, path: str) -> httpx.Response:
        """What the demo admin reads (another user: another rate-limit budget)."""
        admin = self.logins["admin"]
        login = {"identifier": admin["identifier"], "password": admin["password"]}
        with httpx.Client(base_url=f"{self.base_url}/api/v1", timeout=10) as http:
            token = http.post("/auth/login", json=login).json()["token"]
            return http.get(path, headers={"Authorization": f"Bearer {token}"})


@contextmanager
def _serve_demo(tmp_path: Path, **settings: str) -> Iterator[DemoServer]:
    data_dir = tmp_path / "data"
    env = {
        "COMMERCY_DATA_DIR": str(data_dir),
        "COMMERCY_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / 'commercy.db'}",
    }
    env.update({f"COMMERCY_{name.upper()}": value for name, value in settings.items()})
    with api_process(env, log_dir=tmp_path, serve=True, demo=True, timeout=60) as base_url:
        logins = json.loads((data_dir / "demo-logins.json").read_text())
        yield DemoServer(base_url, {login["role"]: login for login in logins})


@pytest.fixture(scope="module")
def demo_server(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    if db_kind != "sqlite":
        pytest.skip("runs once, on the embedded default (its own SQLite file)")
    with _serve_demo(tmp_path_factory.mktemp("examples")) as server:
        yield server


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=180, cwd=env["COMMERCY_OUT_DIR"]
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _created_orders(output: str, server: DemoServer) -> list[str]:
    numbers = CREATED.findall(output)
    assert numbers, f"the example names no created order:\n{output}"
    for number in numbers:
        answer = server.order(number)
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["orderNumber"] == number
    return numbers


def _assert_invoice_written(out_dir: Path, number: str) -> None:
    invoice = out_dir / f"invoice-{number}.pdf"
    assert invoice.read_bytes().startswith(b"%PDF")


def test_the_curl_example_creates_an_order_that_the_api_then_holds(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    result = _run(["bash", str(CURL_EXAMPLE)], demo_server.example_env(tmp_path))

    [number] = _created_orders(result.stdout, demo_server)
    assert f"the same order {number} (Idempotent-Replayed: true)" in result.stdout
    assert re.search(r"listed \d+ orders in [2-9]\d* pages", result.stdout)
    _assert_invoice_written(tmp_path, number)
    assert "- customerPhone: customerPhone (or legacy customerPhone1) is required" in result.stdout


def test_the_python_example_creates_confirms_and_downloads_an_order(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    result = _run([sys.executable, str(PYTHON_EXAMPLE)], demo_server.example_env(tmp_path))

    [number] = _created_orders(result.stdout, demo_server)
    assert f"the same order {number} (replayed=True)" in result.stdout
    assert demo_server.order(number).json()["data"]["status"] == "confirmed"
    _assert_invoice_written(tmp_path, number)
    assert "- products.0.quantity: Input should be greater than or equal to 1" in result.stdout


def test_the_async_python_example_creates_three_orders_at_once(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    result = _run([sys.executable, str(ASYNC_EXAMPLE)], demo_server.example_env(tmp_path))

    numbers = _created_orders(result.stdout, demo_server)
    assert len(set(numbers)) == 3
    for number in numbers:
        _assert_invoice_written(tmp_path, number)


def test_the_curl_example_waits_out_429s_as_retry_after_asks(db_kind: str, tmp_path: Path) -> None:
    if db_kind != "sqlite":
        pytest.skip("runs once, on the embedded default (its own SQLite file)")
    # Two calls in three seconds: the dozen calls of the script cannot all pass at once.
    with _serve_demo(tmp_path, rate_limit_user="2/3 seconds") as server:
        result = _run(["bash", str(CURL_EXAMPLE)], server.example_env(tmp_path))

        assert re.search(r": 429, Retry-After [1-3]\n  retrying in [1-3]s", result.stderr)
        _created_orders(result.stdout, server)


@pytest.mark.parametrize(
    "command",
    [["bash", str(CURL_EXAMPLE)], [sys.executable, str(PYTHON_EXAMPLE)]],
    ids=["curl", "python"],
)
def test_a_create_whose_answer_is_lost_is_retried_into_one_order(
    demo_server: DemoServer, tmp_path: Path, command: list[str]
) -> None:
    before = demo_server.order_count()
    with losing_first_create(demo_server.base_url) as proxy:
        env = demo_server.example_env(tmp_path) | {"COMMERCY_BASE_URL": proxy.base_url}
        result = _run(command, env)

    assert proxy.answers_lost == 1
    assert len(_created_orders(result.stdout, demo_server)) == 1
    assert demo_server.order_count() == before + 1
