"""Regenerates ``clients/js/src/schema.ts`` from the server's OpenAPI document.

    .venv/bin/python clients/js/scripts/generate_types.py            # writes src/schema.ts
    .venv/bin/python clients/js/scripts/generate_types.py --output F # writes F instead

The document is the app's own ``app.openapi()`` (the same for every setting), written to a
temporary file and given to the locked ``openapi-typescript`` of ``clients/js/node_modules``
(``npm ci`` in ``clients/js`` first; ``make node-tools`` does it).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

JS_ROOT = Path(__file__).resolve().parents[1]
SCHEMA = JS_ROOT / "src" / "schema.ts"
GENERATOR = JS_ROOT / "node_modules" / ".bin" / "openapi-typescript"
# A field with a default stays optional in a request body (the API fills it in); answers mark
# every field they always send as required, so they lose nothing.
OPTIONS = ("--default-non-nullable", "false")


def server_openapi() -> dict[str, Any]:
    from commercy.core.settings import Settings
    from commercy.main import create_app

    with tempfile.TemporaryDirectory() as data_dir:
        # No developer's .env or COMMERCY_ variable: the schema of the defaults.
        settings = Settings(_env_file=None, data_dir=Path(data_dir))
        document: dict[str, Any] = create_app(settings).openapi()
        return document


def generate(openapi: dict[str, Any], output: Path) -> None:
    """Writes the TypeScript types of ``openapi`` to ``output`` with openapi-typescript."""
    if not GENERATOR.exists():
        raise SystemExit(f"{GENERATOR} is missing: run `npm ci` in {JS_ROOT}")
    with tempfile.TemporaryDirectory() as work:
        document = Path(work) / "openapi.json"
        document.write_text(json.dumps(openapi, indent=2, sort_keys=True))
        subprocess.run(  # noqa: S603 (our locked tool, arguments of our own)
            [str(GENERATOR), str(document), *OPTIONS, "--output", str(output.resolve())],
            check=True,
            capture_output=True,
            cwd=JS_ROOT,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=SCHEMA)
    generate(server_openapi(), parser.parse_args().output)


if __name__ == "__main__":
    main()
