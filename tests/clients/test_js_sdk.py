"""The TypeScript SDK (``clients/js``, package ``commercy-sdk``): its generated types match the
server's schema, it compiles under ``strict``, and its own tests (``node --test``) pass against
real Commercy servers."""

from __future__ import annotations

import difflib
import importlib.util
import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from types import ModuleType

import pytest
from fastapi import FastAPI

from commercy.core.database import Database, WriteSession
from commercy.core.settings import Settings
from commercy.main import create_app
from tests.factories import PASSWORD, make_world
from tests.support.live_server import live_server

ROOT = Path(__file__).resolve().parents[2]
JS_ROOT = ROOT / "clients" / "js"
SCHEMA = JS_ROOT / "src" / "schema.ts"
TSC = JS_ROOT / "node_modules" / ".bin" / "tsc"
NODE_TESTS = sorted((JS_ROOT / "test").glob("*.test.js"))


@pytest.fixture(scope="module", autouse=True)
def _node_modules() -> None:
    assert TSC.exists(), (
        "clients/js/node_modules is missing: run scripts/ensure-node-tools.sh (make test does)"
    )


def _generator() -> ModuleType:
    path = JS_ROOT / "scripts" / "generate_types.py"
    spec = importlib.util.spec_from_file_location("js_generate_types", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=JS_ROOT, capture_output=True, text=True, timeout=300, env=env, check=False
    )


def test_the_committed_types_are_generated_from_the_servers_schema(
    app: FastAPI, tmp_path: Path
) -> None:
    generated = tmp_path / "schema.ts"
    _generator().generate(app.openapi(), generated)

    diff = list(
        difflib.unified_diff(
            SCHEMA.read_text().splitlines(),
            generated.read_text().splitlines(),
            "committed src/schema.ts",
            "generated from the server",
            lineterm="",
        )
    )
    assert not diff, (
        "clients/js/src/schema.ts differs from the types of the server's OpenAPI document: run "
        "`.venv/bin/python clients/js/scripts/generate_types.py`, check the SDK still "
        "compiles (and has a method for any new operation), and commit the result:\n"
        + "\n".join(diff[:60])
    )


def test_the_sdk_compiles_under_strict_and_builds(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    # The sources and typecheck/usage.ts: what a TypeScript user writes compiles.
    checked = _run([str(TSC), "-p", "tsconfig.typecheck.json"])
    built = _run([str(TSC), "-p", "tsconfig.json", "--outDir", str(out)])

    assert checked.returncode == 0, f"tsc --noEmit failed:\n{checked.stdout}{checked.stderr}"
    assert built.returncode == 0, f"the build failed:\n{built.stdout}{built.stderr}"
    assert {"index.js", "index.d.ts", "client.js", "schema.d.ts"} <= {p.name for p in out.iterdir()}


@pytest.fixture
def servers(settings: Settings, database: Database) -> Iterator[dict[str, str]]:
    """Three servers on the test database: generous limits, 3 calls a minute per user, and 2
    a second (for the 429 tests)."""
    limits = {"url": None, "limited_url": "3/minute", "throttled_url": "2/second"}
    with ExitStack() as stack:
        urls = {}
        for name, limit in limits.items():
            tuned = settings.model_copy(update={"rate_limit_user": limit}) if limit else settings
            urls[name] = stack.enter_context(live_server(create_app(tuned)))
        yield urls


async def test_the_sdk_tests_pass_against_a_live_server(
    servers: dict[str, str], session: WriteSession, db_kind: str
) -> None:
    if db_kind != "sqlite":
        pytest.skip("runs once, on SQLite: the SDK speaks HTTP, the database is not its concern")
    world = await make_world(session)
    built = _run([str(TSC), "-p", "tsconfig.json"])
    assert built.returncode == 0, f"the build failed:\n{built.stdout}{built.stderr}"
    env = {
        **os.environ,
        "COMMERCY_URL": servers["url"],
        "COMMERCY_LIMITED_URL": servers["limited_url"],
        "COMMERCY_THROTTLED_URL": servers["throttled_url"],
        "COMMERCY_IDENTIFIER": world.admin.identifier,
        "COMMERCY_PASSWORD": PASSWORD,
    }

    result = _run(["node", "--test", *map(str, NODE_TESTS)], env=env)

    assert result.returncode == 0, f"node --test failed:\n{result.stdout}\n{result.stderr}"
    assert "# fail 0" in result.stdout
