"""``corpus/collections.yml``: per-file settings (name, description, capture year, banner words),
read and validated; every problem is a diagnostic at its line, and the valid settings are kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.ingest.text import has_forbidden
from generator.model import Diagnostic, Severity, display_path

SETTINGS_FILE = "collections.yml"
YEARS = (1900, 2200)  # the years a listing date may state (generator.ingest.listing)


@dataclass(frozen=True)
class Setting:
    """One key of a file's settings: its type and the checks its value must pass."""

    kind: type
    check: Callable[[Any], str | None] = lambda value: None  # a problem with the value, or None


def _text(limit: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not str(value).strip():
            return "must not be empty"
        if len(value) > limit:
            return f"is {len(value):,} characters long (at most {limit:,})"
        if has_forbidden(value):
            return "holds a control character"
        return None

    return check


def _year(value: Any) -> str | None:
    low, high = YEARS
    return None if low <= value <= high else f"must be a year from {low} to {high}, not {value}"


def _words(value: Any) -> str | None:
    for word in value:
        if not isinstance(word, str) or not word.strip() or has_forbidden(word) or len(word) > 80:
            return f"must be a list of short words without control characters; {word!r} is not"
    return None


# The schema of a file's settings: every key optional, nothing else allowed.
SCHEMA: dict[str, Setting] = {
    "name": Setting(str, _text(200)),
    "description": Setting(str, _text(2_000)),
    "capture_year": Setting(int, _year),
    "banner_words": Setting(list, _words),
}


@dataclass(frozen=True)
class CollectionSettings:
    """Per-file overrides from ``corpus/collections.yml``."""

    name: str | None = None
    description: str | None = None
    capture_year: int | None = None
    banner_words: tuple[str, ...] = ()


def load_settings(corpus_dir: Path, diagnostics: list[Diagnostic]) -> dict[str, CollectionSettings]:
    """Every file's valid settings; each problem a diagnostic at its line (the rest is kept)."""
    path = corpus_dir / SETTINGS_FILE
    if not path.exists() and not path.is_symlink():
        return {}
    shown = display_path(path)
    if not path.is_file():
        diagnostics.append(Diagnostic(shown, 0, Severity.ERROR, "not a file; settings ignored"))
        return {}
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        diagnostics.append(Diagnostic(shown, line, Severity.ERROR, f"unreadable: {exc}; settings ignored"))
        return {}
    if raw is None:
        return {}
    lines = _key_lines(node)
    if not isinstance(raw, dict):
        diagnostics.append(
            Diagnostic(shown, 1, Severity.ERROR, "expected a mapping of file name to settings")
        )
        return {}
    settings: dict[str, CollectionSettings] = {}
    for fname, values in raw.items():
        line = lines.get(str(fname), 0)
        if not isinstance(fname, str) or "/" in fname or fname in (".", ".."):
            diagnostics.append(Diagnostic(shown, line, Severity.ERROR, f"{fname!r} is not a file name"))
            continue
        if not (corpus_dir / fname).is_file():
            diagnostics.append(Diagnostic(shown, line, Severity.WARNING, f"no corpus file named {fname!r}"))
        if not isinstance(values, dict):
            diagnostics.append(
                Diagnostic(shown, line, Severity.ERROR, f"settings of {fname!r} must be a mapping")
            )
            continue
        clean: dict[str, Any] = {}
        for key, value in values.items():
            setting = SCHEMA.get(str(key))
            problem: str | None
            if setting is None:
                known = ", ".join(sorted(SCHEMA))
                problem = f"unknown setting {key!r} (known: {known})"
            elif not isinstance(value, setting.kind) or isinstance(value, bool):
                problem = f"{key} must be a {setting.kind.__name__}"
            else:
                found = setting.check(value)
                problem = None if found is None else f"{key} {found}"
            if problem is not None:
                diagnostics.append(Diagnostic(shown, line, Severity.ERROR, f"{fname!r}: {problem}; ignored"))
            else:
                clean[str(key)] = tuple(str(v) for v in value) if isinstance(value, list) else value
        settings[fname] = CollectionSettings(**clean)
    return settings


def _key_lines(node: yaml.Node | None) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
