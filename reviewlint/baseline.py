"""Baselines: adopt reviewlint on an old tree, fail only on new findings.

Entries are keyed by path, code and message, never by line, so moving code
around does not invalidate them; a count per key lets several identical
findings in one file be recorded.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Sequence

from reviewlint.findings import Finding, ReviewlintError

FORMAT = 1


def _key(finding: Finding) -> tuple[str, str, str]:
    return finding.path.replace("\\", "/"), finding.code, finding.message


def write_baseline(path: Path, findings: Sequence[Finding]) -> None:
    """Record `findings` in `path` (JSON, sorted, stable across runs)."""
    counts = Counter(_key(f) for f in findings)
    entries = [{"path": p, "code": c, "message": m, "count": n} for (p, c, m), n in sorted(counts.items())]
    try:
        path.write_text(json.dumps({"reviewlint-baseline": FORMAT, "findings": entries}, indent=2) + "\n")
    except OSError as exc:
        raise ReviewlintError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None


def read_baseline(path: Path) -> Counter[tuple[str, str, str]]:
    """The recorded findings of a baseline file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("reviewlint-baseline") != FORMAT:
            raise ValueError("not a reviewlint baseline (format 1)")
        return Counter({(e["path"], e["code"], e["message"]): int(e["count"]) for e in data["findings"]})
    except FileNotFoundError:
        raise ReviewlintError(f"{path}: baseline file not found") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReviewlintError(f"{path}: malformed baseline: {exc}") from None


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
