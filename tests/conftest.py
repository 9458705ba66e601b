"""Shared test helpers: tiny corpora written into temporary folders."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

# Builds under test keep no semantic-vector cache in the working tree (tests/test_embed.py tests the
# cache in temporary folders); subprocesses (mkdocs build) inherit this.
os.environ["PAPER_ATLAS_CACHE"] = "off"

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# A snapshot of the seed corpus (tests/fixtures/atlas/README.md): tests never read the real corpus/,
# and neither do the benchmark helpers they call (benchmarks/synth.py reads this variable).
ATLAS_CORPUS = FIXTURES / "atlas" / "corpus"
os.environ["PAPER_ATLAS_SYNTH_CORPUS"] = str(ATLAS_CORPUS)


@pytest.fixture
def make_corpus(tmp_path: Path) -> Callable[[dict[str, bytes | str]], Path]:
    """Write ``{file name: content}`` into a fresh corpus folder and return it."""

    def make(files: dict[str, bytes | str]) -> Path:
        corpus = tmp_path / "corpus"
        corpus.mkdir(exist_ok=True)
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (corpus / name).write_bytes(data)
        return corpus

    return make


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite golden files (then check them by eye)"
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
