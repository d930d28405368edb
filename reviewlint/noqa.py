"""`# noqa` handling with flake8's semantics and RULES.md's bare-noqa exception."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable, Sequence

from reviewlint.findings import Finding

# The same expression flake8 uses, so both front ends agree on every comment.
NOQA_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.I)
NOQA_FILE = re.compile(r"\s*# flake8[:=]\s*noqa", re.I)


def noqa_codes(line: str) -> tuple[str, ...] | None:
    """None without a `# noqa`; () for a bare one; else the codes it names."""
    match = NOQA_INLINE.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return ()
    return tuple(c for c in re.split(r"[,\s]+", codes.upper()) if c)


def relocate_header(finding: Finding, lines: Sequence[str]) -> Finding:
    """Move a header finding off a `def` line that carries a bare `# noqa`.

    Placement puts a bare `# noqa` on each versioned redefinition to silence
    F811; that must not hide a reviewer's finding, so it moves to the first
    decorator line without a `# noqa` of its own.
    """
    if not finding.fallback_lines or finding.line > len(lines):
        return finding
    if noqa_codes(lines[finding.line - 1]) != ():
        return finding
    for line in finding.fallback_lines:
        if line <= len(lines) and noqa_codes(lines[line - 1]) is None:
            return replace(finding, line=line, col=0)
    return finding


def is_suppressed(finding: Finding, lines: Sequence[str]) -> bool:
    """flake8's rule: a bare `# noqa` hides all, `# noqa: X,Y` hides codes starting with X or Y."""
    if finding.line < 1 or finding.line > len(lines):
        return False
    codes = noqa_codes(lines[finding.line - 1])
    if codes is None:
        return False
    return not codes or finding.code.startswith(codes)


def apply_noqa(findings: Iterable[Finding], source: str) -> list[Finding]:
    """Relocate header findings, then drop what `# noqa` comments suppress."""
    lines = source.splitlines()
    if any(NOQA_FILE.match(line) for line in lines):
        return []
    kept = []
    for finding in findings:
        finding = relocate_header(finding, lines)
        if not is_suppressed(finding, lines):
            kept.append(finding)
    return kept
