"""The Postman collection (postman/): generated from the OpenAPI document, and every request of
its demo run passes against a real `commercy serve --demo`."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

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


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("postman_generate", POSTMAN / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


SMALL_SCHEMA: dict[str, Any] = {
    "info": {"title": "Small", "description": "A small API"},
    "tags": [{"name": "second"}, {"name": "first"}],
    "paths": {
        "/api/v1/things": {
            "post": {
                "tags": ["first"],
                "summary": "Create Thing",
                "security": [{"HTTPBearer": []}],
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                    }
                },
                "responses": {"201": {}, "400": {}},
            }
        },
        "/api/v1/things/{thing_id}": {
            "put": {
                "tags": ["second"],
                "summary": "Replace Thing",
                "parameters": [
                    {"name": "thing_id", "in": "path", "required": True, "schema": {}},
                    {"name": "mode", "in": "query", "schema": {"enum": ["fast", "slow"]}},
                ],
                "requestBody": {
                    "content": {"application/json": {"example": {"name": "from the document"}}}
                },
                "responses": {"200": {}},
            }
        },
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["name", "count", "tags"],
                "properties": {
                    "name": {"type": "string", "minLength": 6},
                    "count": {"type": "integer", "minimum": 3},
                    "tags": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                    "note": {"type": "string"},
                },
            }
        }
    },
}


def test_folders_follow_the_tags_and_bodies_come_from_examples_else_the_schema() -> None:
    collection = _generator().build_collection(SMALL_SCHEMA)

    second, first = collection["item"]
    assert [second["name"], first["name"]] == ["second", "first"]
    create = first["item"][0]["request"]
    assert json.loads(create["body"]["raw"]) == {"name": "textxx", "count": 3, "tags": ["text"]}
    assert "auth" not in create  # the collection's bearer token
    replace = second["item"][0]["request"]
    assert json.loads(replace["body"]["raw"]) == {"name": "from the document"}
    assert replace["auth"] == {"type": "noauth"}
    assert replace["url"]["raw"] == "{{baseUrl}}/api/v1/things/:thing_id"
    assert replace["url"]["query"][0] | {"description": ""} == {
        "key": "mode", "value": "fast", "description": "", "disabled": True,
    }  # fmt: skip
    assert "    pm.response.to.have.status(201);" in first["item"][0]["event"][0]["script"]["exec"]
