"""Theme overrides are checked against the theme they were copied from.

Each file in docs/overrides/partials/ is a copy of one of Material's partials with a small,
commented change. Its header names the Material version and the SHA-256 of the original; these
tests fail when the installed Material differs (an upgrade is then a conscious step: re-copy the
original, re-apply the change, update the header), and when a copy drifts from its original by
more than the lines it says it changes. The parts rendered once and reused
(generator/site/theme.py) give a site identical, byte for byte, to one rendered without the memo.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from importlib.metadata import version
from pathlib import Path

import material
import pytest

from generator.site.theme import MEMO_ENV
from tests.test_site import build_fixture_site

ROOT = Path(__file__).resolve().parent.parent
OVERRIDES = ROOT / "docs" / "overrides"
THEME = Path(material.__file__).parent / "templates"
UPSTREAM = re.compile(r"Upstream: mkdocs-material (\S+) (\S+), sha256 ([0-9a-f]{64})")
HEADER = re.compile(r"\A\{#-.*?-#\}\n", re.DOTALL)
# How many lines each copy changes, and why (the header comment of each file says the same).
CHANGED_LINES = {
    "partials/search.html": 3,  # aria-label on the search dialog (axe aria-dialog-name); the memo's call
    "partials/toc.html": 1,  # the toc label's "for" only when the toggle exists (Nu Html Checker)
}
# Overrides that wrap Material's own file (``material/<name>``) in the memo instead of copying it.
WRAPPERS = ("partials/nav.html", "partials/tabs.html")
PARTIALS = sorted(
    name
    for name in (p.relative_to(OVERRIDES).as_posix() for p in (OVERRIDES / "partials").glob("*.html"))
    if name not in WRAPPERS
)


def test_every_copied_partial_is_accounted_for() -> None:
    assert sorted(CHANGED_LINES) == PARTIALS


@pytest.mark.parametrize("name", WRAPPERS)
def test_wrapper_renders_materials_own_file_in_the_memo(name: str) -> None:
    text = HEADER.sub("", (OVERRIDES / name).read_text(encoding="utf-8")).strip()
    assert (THEME / name).is_file()
    assert (
        text
        == f'{{% call atlas_memo("{Path(name).stem}") %}}{{% include "material/{name}" %}}{{% endcall %}}'
    )


@pytest.mark.parametrize("directory_urls", [True, False], ids=["directory-urls", "file-urls"])
def test_memo_changes_no_byte_of_the_site(tmp_path: Path, directory_urls: bool) -> None:
    """Each part is reused only where it would have come out the same: the tabs of a tag page link
    "Tags" as ``../`` and those of a paper page as ``../../tags/``; an active nav page has its own."""
    reused = build_fixture_site(tmp_path / "memo", directory_urls)
    fresh = build_fixture_site(tmp_path / "fresh", directory_urls, env={MEMO_ENV: "0"})
    pages = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*.html"))
    assert len(pages) > 20 and any(p.startswith("tags/") for p in pages)
    assert pages == sorted(p.relative_to(reused).as_posix() for p in reused.rglob("*.html"))
    differ = [name for name in pages if (reused / name).read_bytes() != (fresh / name).read_bytes()]
    assert not differ, differ[:5]


def test_pinned_material_is_the_one_installed() -> None:
    pins = {
        line.split("==")[1].strip()
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.startswith("mkdocs-material==")
    }
    assert pins == {version("mkdocs-material")}
    assert f'"mkdocs-material=={version("mkdocs-material")}"' in (ROOT / "pyproject.toml").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("name", PARTIALS)
def test_override_matches_the_original_it_was_copied_from(name: str) -> None:
    text = (OVERRIDES / name).read_text(encoding="utf-8")
    found = UPSTREAM.search(text)
    assert found, f"{name}: its header must name the upstream version, file and sha256"
    pinned, upstream_name, digest = found.groups()
    assert upstream_name == name
    original = (THEME / name).read_bytes()
    assert version("mkdocs-material") == pinned, f"{name} was copied from Material {pinned}"
    assert hashlib.sha256(original).hexdigest() == digest, (
        f"Material's {name} changed since it was copied: re-copy it, re-apply the change, update the header"
    )
    # Apart from the two header comments, the copy differs from its original in the stated lines only.
    ours = HEADER.sub("", text).splitlines()
    theirs = HEADER.sub("", original.decode("utf-8")).splitlines()
    changed = [line for line in difflib.unified_diff(theirs, ours, lineterm="", n=0) if line[:1] == "+"]
    assert len(changed) - 1 == CHANGED_LINES[name], "\n".join(changed)  # minus the "+++" header


def test_main_override_extends_blocks_that_exist() -> None:
    base = (THEME / "base.html").read_text(encoding="utf-8")
    ours = (OVERRIDES / "main.html").read_text(encoding="utf-8")
    for block in re.findall(r"\{% block (\w+) %\}", ours):
        assert f"{{% block {block} %}}" in base, block
