"""The plain data that flows out of the rules: findings."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Finding:
    """One diagnostic: where, which code, and what a reviewer would say."""

    path: str
    line: int
    col: int
    code: str
    message: str
    # Decorator lines of the handler, top to bottom, for header findings:
    # where the finding moves when the `def` line carries a bare `# noqa`.
    fallback_lines: tuple[int, ...] = field(default=(), compare=False)
    # Where the reported code ends (1-based line, 0-based exclusive column); 0 when unknown.
    end_line: int = field(default=0, compare=False)
    end_col: int = field(default=0, compare=False)
    # The changed file that caused a finding elsewhere (`--baseline-commit`), when it is one file.
    related: str = field(default="", compare=False)

    def to_text(self) -> str:
        """The flake8 format: `path:line:col: CODE message` (col is 1-based)."""
        return f"{self.path}:{self.line}:{self.col + 1}: {self.code} {self.message}"
