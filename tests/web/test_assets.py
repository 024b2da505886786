"""What the web app ships: the vendored htmx is npm's, and every string has its French."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from commercy.web.i18n import translations

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "commercy" / "web"
NPM_HTMX = ROOT / "tools" / "node" / "node_modules" / "htmx.org" / "dist" / "htmx.min.js"


@pytest.mark.skipif(not NPM_HTMX.exists(), reason="run scripts/ensure-node-tools.sh")
def test_the_vendored_htmx_is_the_pinned_npm_release() -> None:
    assert (WEB / "static" / "htmx.min.js").read_bytes() == NPM_HTMX.read_bytes()


# Words French writes the same way.
SAME_IN_FRENCH = {
    "API",
    "Agent",
    "Source",
    "Stock",
    "Confirmation",
    "Total",
    "Documents",
    "Option",
    "Image",
    "Pages",
    "Notes",
}


def test_every_string_of_the_pages_has_a_french_translation() -> None:
    french = translations("fr")
    extracted = extract_from_dir(
        str(WEB),
        [("**.py", "python"), ("**/templates/**.html", "jinja2")],
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords={"_": None, "N_": None, "ngettext": (1, 2)},
    )
    messages = [entry[2] for entry in extracted]
    singulars = {m[0] if isinstance(m, tuple) else m for m in messages} - {""}

    untranslated = sorted(
        m for m in singulars if french.gettext(m) == m and m not in SAME_IN_FRENCH
    )

    assert len(singulars) > 80 and untranslated == []
