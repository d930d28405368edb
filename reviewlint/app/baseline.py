"""Baselines: adopt reviewlint on an old tree, fail only on new findings.

Entries are keyed by path, code and message, never by line, so moving code
around does not invalidate them; a count per key lets several identical
findings in one file be recorded. A message that names another place by its
position (`set at depot/handlers/crate.py:25`, `(line 85)`) is keyed without
that position (`subject`): what a finding is about is the handler, route,
gate range, schema path, constant or reference entry its message names, not
where the code it rests on happens to sit, nor how the code it quotes is
spaced. Files written before keep working: their messages are keyed the same
way when read.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Sequence

from reviewlint.core.errors import ReviewlintError
from reviewlint.core.findings import Finding
from reviewlint.core.guard import UnreadableSource, one_line, read_bytes

FORMAT = 1


# `path/to/file.py:25` (also `:25:3`) of another place, and `line 85` / `lines 3, 4`.
_FILE_POSITION = re.compile(r"(?<![\w:])([\w.\-/\\]*\w\.[A-Za-z]\w*):\d+(?::\d+)?\b")
_LINE_POSITION = re.compile(r"\b(lines?) \d+(?:(?:, | and )\d+)*\b")


# Code a message quotes (`want_version.matches((1, 4))`): its spacing and quotes are layout.
_QUOTED_CODE = re.compile(r"`[^`\n]*`")


def _code_layout_free(match: re.Match[str]) -> str:
    return "".join(match.group(0).split()).replace('"', "'")


def subject(message: str) -> str:
    """`message` without the positions of other places it names (nor the layout of code it quotes):
    what the finding is about."""
    message = _LINE_POSITION.sub(r"\1 ?", _FILE_POSITION.sub(r"\1", message))
    return _QUOTED_CODE.sub(_code_layout_free, message)


def _key(finding: Finding) -> tuple[str, str, str]:
    return finding.path.replace("\\", "/"), finding.code, subject(finding.message)


def write_baseline(path: Path, findings: Sequence[Finding]) -> None:
    """Record `findings` in `path` (JSON, sorted, stable across runs)."""
    counts = Counter(_key(f) for f in findings)
    entries = [{"path": p, "code": c, "message": m, "count": n} for (p, c, m), n in sorted(counts.items())]
    try:
        path.write_text(json.dumps({"reviewlint-baseline": FORMAT, "findings": entries}, indent=2) + "\n")
    except OSError as exc:
        raise ReviewlintError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None


# A baseline holds a line per finding of an old tree: larger than a source file may be.
BASELINE_LIMIT = 64 * 1024 * 1024


def read_baseline(path: Path) -> Counter[tuple[str, str, str]]:
    """The recorded findings of a baseline file."""
    if not os.path.lexists(path):
        raise ReviewlintError(f"{path}: baseline file not found")
    try:
        data = json.loads(read_bytes(path, BASELINE_LIMIT))
        if not isinstance(data, dict) or data.get("reviewlint-baseline") != FORMAT:
            raise ValueError("not a reviewlint baseline (format 1)")
        entries = Counter[tuple[str, str, str]]()
        for entry in data["findings"]:
            key = (entry["path"], entry["code"], entry["message"])
            count = entry["count"]
            if not all(isinstance(part, str) for part in key) or not isinstance(count, int) or isinstance(count, bool):
                raise ValueError(f"not a finding entry: {one_line(repr(entry), 80)}")
            entries[key[0], key[1], subject(key[2])] += count
        return entries
    except UnreadableSource as exc:
        raise ReviewlintError(f"{path}: cannot read baseline: {exc}") from None
    except RecursionError:
        raise ReviewlintError(f"{path}: malformed baseline: nested too deeply") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReviewlintError(f"{path}: malformed baseline: {one_line(str(exc), 120)}") from None


def new_findings(findings: Sequence[Finding], baseline: Counter[tuple[str, str, str]]) -> list[Finding]:
    """The findings the baseline does not account for."""
    remaining = Counter(baseline)
    fresh = []
    for finding in findings:
        key = _key(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            fresh.append(finding)
    return fresh
