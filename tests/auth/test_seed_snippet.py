"""The seed's own JavaScript login snippet works unchanged against a local Commercy."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from commercy.main import create_app
from tests.factories import PASSWORD, make_world
from tests.support.live_server import live_server

# Copied from the seed (commercy-api.txt, « Authentification »); only the base URL and the
# credentials differ, and two lines print what a developer would look at.
SEED_SNIPPET = """
const response = await fetch('https://api.commercy.net/api/v1/auth/login', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({
    identifier: 'user@example.com',
    password: 'password'
  })
});

const { token } = await response.json();

const apiResponse = await fetch('https://api.commercy.net/api/v1/orders', {
  headers: {
    'Authorization': `Bearer ${token}`,
    'Content-Type': 'application/json'
  }
});
console.log(JSON.stringify({ status: apiResponse.status, body: await apiResponse.json() }));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js for the seed's snippet")
async def test_seed_login_snippet_works_unchanged(
    session: WriteSession, settings: Settings, tmp_path: Path
) -> None:
    world = await make_world(session)
    app = create_app(settings)
    with live_server(app) as base_url:
        script = (
            SEED_SNIPPET.replace("https://api.commercy.net", base_url)
            .replace("user@example.com", world.reseller_user.identifier)
            .replace("'password'", f"'{PASSWORD}'")
        )
        path = tmp_path / "login.mjs"
        path.write_text(script)
        result = subprocess.run(
            ["node", str(path)], capture_output=True, text=True, timeout=60, check=True
        )

    outcome = json.loads(result.stdout)
    assert outcome["status"] == 200
    assert outcome["body"]["success"] is True
    assert "pagination" in outcome["body"]
