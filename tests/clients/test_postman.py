"""The Postman collection (postman/): generated from the OpenAPI document, and every request of
its demo run passes against a real `commercy serve --demo`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hardening.processes import api_process

ROOT = Path(__file__).resolve().parents[2]
POSTMAN = ROOT / "postman"
COLLECTION = POSTMAN / "commercy.postman_collection.json"
ENVIRONMENT = POSTMAN / "commercy.postman_environment.json"
NEWMAN = ROOT / "tools" / "node" / "node_modules" / ".bin" / "newman"
NOT_RUN_FOLDER = "Outside the demo run"


def test_the_committed_collection_is_the_generated_one(tmp_path: Path) -> None:
    generated = tmp_path / "collection.json"
    subprocess.run(
        [sys.executable, str(POSTMAN / "generate.py"), "--output", str(generated)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    assert generated.read_text() == COLLECTION.read_text(), (
        "postman/commercy.postman_collection.json is not what the OpenAPI document gives: "
        "run `python postman/generate.py` and commit the result"
    )


def test_newman_runs_the_collection_on_demo_data(tmp_path: Path, db_kind: str) -> None:
    if db_kind != "sqlite":
        pytest.skip("runs once, on the embedded default (its own SQLite file)")
    assert NEWMAN.exists(), "newman is missing: run scripts/ensure-node-tools.sh (make test does)"
    data_dir = tmp_path / "data"
    env = {
        "COMMERCY_DATA_DIR": str(data_dir),
        "COMMERCY_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / 'commercy.db'}",
    }
    with api_process(env, log_dir=tmp_path, serve=True, demo=True, timeout=60) as base_url:
        admin = _demo_login(data_dir, role="admin")
        variables = {"baseUrl": base_url, **admin}
        result = subprocess.run(
            [str(NEWMAN), "run", str(COLLECTION), "-e", str(ENVIRONMENT)]
            + [f"--env-var={name}={value}" for name, value in variables.items()]
            + _run_folders()
            + ["--reporters", "cli", "--color", "off", "--disable-unicode"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
    assert result.returncode == 0, f"newman failed:\n{result.stdout}\n{result.stderr}"


def _demo_login(data_dir: Path, *, role: str) -> dict[str, str]:
    """The identifier and password of the demo's ``role``, as the collection names them."""
    logins: list[dict[str, str]] = json.loads((data_dir / "demo-logins.json").read_text())
    login = next(login for login in logins if login["role"] == role)
    return {"identifier": login["identifier"], "password": login["password"]}


def _run_folders() -> list[str]:
    folders = [item["name"] for item in json.loads(COLLECTION.read_text())["item"]]
    arguments = []
    for name in folders:
        if name != NOT_RUN_FOLDER:
            arguments += ["--folder", name]
    return arguments
