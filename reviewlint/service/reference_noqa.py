"""Which findings in the API reference a comment suppresses.

A `.. noqa` comment (`.. noqa: RVL604`) in a `.inc` file covers the lines the
section reader (reference_sections.py) assigns it; a `# noqa` comment in a
YAML parameters file means what it means in Python, with flake8's semantics
(reviewlint.core.noqa).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Protocol, TypeVar

from reviewlint.core.findings import Finding

if TYPE_CHECKING:
    from reviewlint.model.project import Project
    from reviewlint.service.reference_data import Reference


class Placed(Protocol):
    """A finding placed in a reference file."""

    @property
    def path(self) -> Path: ...

    @property
    def line(self) -> int: ...

    @property
    def code(self) -> str: ...

    @property
    def message(self) -> str: ...


F = TypeVar("F", bound=Placed)


def unsuppressed(project: "Project", ref: "Reference", findings: Iterable[F]) -> Iterator[F]:
    """Drop what `.. noqa` comments (`.inc`) and `# noqa` comments (YAML) suppress."""
    from reviewlint.core.noqa import apply_noqa
    from reviewlint.core.source import UnreadableSource

    by_path: dict[Path, list[F]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    for path, here in by_path.items():
        if path.suffix == ".inc":
            covered = ref.suppressions.get(path, {})
            for finding in here:
                codes = covered.get(finding.line)
                if codes is None or (codes and not finding.code.startswith(codes)):
                    yield finding
            continue
        try:
            text = project.source(path)
        except UnreadableSource:
            yield from here
            continue
        kept = {(f.line, f.code, f.message) for f in apply_noqa(
            [Finding(str(path), f.line, 0, f.code, f.message) for f in here], text)}
        yield from (f for f in here if (f.line, f.code, f.message) in kept)
