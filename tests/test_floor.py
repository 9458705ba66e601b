"""The floor projects of the scale benchmark (benchmarks/floor.py): the paper-shaped pages and the lean ones."""

from __future__ import annotations

from pathlib import Path

from benchmarks.floor import write_project


def test_lean_pages_hold_a_title_the_abstract_and_five_links(tmp_path: Path) -> None:
    write_project(tmp_path / "full", 40)
    write_project(tmp_path / "lean", 40, lean=True)
    full = sorted((tmp_path / "full" / "docs" / "papers").glob("*.md"))
    lean = sorted((tmp_path / "lean" / "docs" / "papers").glob("*.md"))
    assert [p.name for p in full] == [p.name for p in lean] and len(lean) == 40
    for page in lean:
        lines = page.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# ") and lines[2] and lines[4] == "## Related papers"
        links = [line for line in lines if line.startswith("- [")]
        assert len(links) == 5 and len(lines) == 6 + 5
    assert sum(p.stat().st_size for p in lean) < 0.7 * sum(p.stat().st_size for p in full)
