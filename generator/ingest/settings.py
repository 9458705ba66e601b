"""``corpus/collections.yml``: per-file settings (name, description, capture year, banner words),
read and validated; every problem is a diagnostic at its line, and the valid settings are kept."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.model import Diagnostic, Severity, display_path

SETTINGS_FILE = "collections.yml"
_SETTING_KEYS: dict[str, type] = {"name": str, "description": str, "capture_year": int, "banner_words": list}


@dataclass(frozen=True)
class CollectionSettings:
    """Per-file overrides from ``corpus/collections.yml``."""

    name: str | None = None
    description: str | None = None
    capture_year: int | None = None
    banner_words: tuple[str, ...] = ()


def load_settings(corpus_dir: Path, diagnostics: list[Diagnostic]) -> dict[str, CollectionSettings]:
    path = corpus_dir / SETTINGS_FILE
    if not path.exists():
        return {}
    shown = display_path(path)
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        diagnostics.append(Diagnostic(shown, line, Severity.ERROR, f"invalid YAML: {exc}"))
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
        if not (corpus_dir / str(fname)).is_file():
            diagnostics.append(Diagnostic(shown, line, Severity.WARNING, f"no corpus file named {fname!r}"))
        if not isinstance(values, dict):
            diagnostics.append(
                Diagnostic(shown, line, Severity.ERROR, f"settings of {fname!r} must be a mapping")
            )
            continue
        clean: dict[str, Any] = {}
        for key, value in values.items():
            expected = _SETTING_KEYS.get(str(key))
            if expected is None:
                known = ", ".join(sorted(_SETTING_KEYS))
                diagnostics.append(
                    Diagnostic(
                        shown, line, Severity.ERROR, f"{fname}: unknown setting {key!r} (known: {known})"
                    )
                )
            elif not isinstance(value, expected) or isinstance(value, bool):
                diagnostics.append(
                    Diagnostic(shown, line, Severity.ERROR, f"{fname}: {key} must be a {expected.__name__}")
                )
            else:
                clean[str(key)] = tuple(str(v) for v in value) if isinstance(value, list) else value
        settings[str(fname)] = CollectionSettings(**clean)
    return settings


def _key_lines(node: yaml.Node | None) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
