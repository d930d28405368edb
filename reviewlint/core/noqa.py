"""`# noqa` handling with flake8's semantics and RULES.md's bare-noqa exception.

flake8's own expressions and list parser decide what a comment says, and
the line a comment is looked for on is flake8's too (a multi-line string or
a backslash continuation shares the comment at its end), so the CLI and the
flake8 plugin agree on every comment. In flake8, the plugin leaves `# noqa`
to flake8 and only moves header findings (`relocate_headers`).
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import replace
from functools import cached_property, lru_cache
from typing import Iterable

from flake8.defaults import NOQA_FILE, NOQA_INLINE_REGEXP
from flake8.utils import parse_comma_separated_list

from reviewlint.core.findings import Finding


def noqa_codes(line: str) -> tuple[str, ...] | None:
    """None without a `# noqa`; () for a bare one; else the codes it names (as written, like flake8)."""
    match = NOQA_INLINE_REGEXP.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return ()
    return tuple(parse_comma_separated_list(codes))


class NoqaLines:
    """The text flake8 searches for a `# noqa` of each line of a source."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines(keepends=True)
        self.source = source

    @cached_property
    def _mapping(self) -> dict[int, str]:
        """flake8's `FileProcessor._noqa_line_mapping`: lines of one token run share their text."""
        mapping: dict[int, str] = {}
        low, high = len(self.lines) + 2, -1
        try:
            for kind, _, (start, _), (end, _), _ in tokenize.generate_tokens(io.StringIO(self.source).readline):
                if kind in (tokenize.ENDMARKER, tokenize.DEDENT):
                    continue
                low, high = min(low, start), max(high, end)
                if kind in (tokenize.NL, tokenize.NEWLINE):
                    joined = "".join(self.lines[low - 1:high])
                    mapping.update(dict.fromkeys(range(low, high + 1), joined))
                    low, high = len(self.lines) + 2, -1
        except (tokenize.TokenError, SyntaxError):
            return {}
        return mapping

    def text_for(self, line: int) -> str:
        """What a `# noqa` for `line` is looked for in (the physical line when tokens fail)."""
        if line < 1 or line > len(self.lines):
            return ""
        return self._mapping.get(line, self.lines[line - 1])

    def codes(self, line: int) -> tuple[str, ...] | None:
        """`noqa_codes` of the text for `line`."""
        return noqa_codes(self.text_for(line))


def relocate_header(finding: Finding, noqa: NoqaLines) -> Finding:
    """Move a header finding off a `def` line that carries a bare `# noqa`.

    Placement puts a bare `# noqa` on each versioned redefinition to silence
    F811; that must not hide a reviewer's finding, so it moves to the first
    decorator line without a `# noqa` of its own.
    """
    if not finding.fallback_lines or noqa.codes(finding.line) != ():
        return finding
    for line in finding.fallback_lines:
        if 1 <= line <= len(noqa.lines) and noqa.codes(line) is None:
            return replace(finding, line=line, col=0, end_line=0, end_col=0)
    return finding


def is_suppressed(finding: Finding, noqa: NoqaLines) -> bool:
    """flake8's rule: a bare `# noqa` hides all, `# noqa: X,Y` hides X, Y and codes starting with them."""
    codes = noqa.codes(finding.line)
    if codes is None:
        return False
    return not codes or finding.code in codes or finding.code.startswith(codes)


def relocate_headers(findings: Iterable[Finding], source: str) -> list[Finding]:
    """Only the placement part of `apply_noqa`: flake8 applies `# noqa` itself."""
    noqa = NoqaLines(source)
    return [relocate_header(finding, noqa) for finding in findings]


@lru_cache(maxsize=16)
def _noqa_lines(source: str) -> NoqaLines:
    """One NoqaLines per text: the findings a gabbi file re-reports in a module are checked against it
    once per run, not once per gabbi file."""
    return NoqaLines(source)


def apply_noqa(findings: Iterable[Finding], source: str) -> list[Finding]:
    """Relocate header findings, then drop what `# noqa` comments suppress (the CLI)."""
    noqa = _noqa_lines(source)
    if any(NOQA_FILE.match(line) for line in noqa.lines):
        return []
    kept = []
    for finding in findings:
        finding = relocate_header(finding, noqa)
        if not is_suppressed(finding, noqa):
            kept.append(finding)
    return kept
