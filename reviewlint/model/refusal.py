"""Whether a module of the project can be analysed: what its RVL900 would say, decided without LibCST.

A module reviewlint needs and cannot analyse is unknown, not absent (see
service/unknown.py for which modules are needed and what rests on them).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reviewlint.core.config import resolve_path
from reviewlint.core.guard import UnreadableSource, analysis_refusal
from reviewlint.model.project import Codec

if TYPE_CHECKING:
    from reviewlint.model.project import Project

# (message, line, column) of a refusal, or None: as cached data.
Refusal = tuple[str, int, int]
_REFUSAL: Codec[Refusal | None] = Codec(
    lambda refused: list(refused) if refused is not None else None,
    lambda data: (str(data[0]), int(data[1]), int(data[2])) if data is not None else None)


def refusal(project: "Project", path: Path) -> Refusal | None:
    """Why the module at `path` cannot be analysed (as its RVL900 says it), or None when it can.

    Read, the guard, then Python's parser: what LibCST would be handed, decided without it.
    """
    path = resolve_path(path)
    if project.parsed(path):
        return None

    def compute() -> Refusal | None:
        try:
            problem = analysis_refusal(project.source(path), project.config.limits)
        except UnreadableSource as exc:
            problem = exc
        return (str(problem), problem.line, problem.col) if problem is not None else None

    return project.memo(f"unknown:refusal:{path}", compute, _REFUSAL)


def is_unknown(project: "Project", path: Path) -> bool:
    """True when `path` is a module of the project that cannot be analysed (it exists: it is no absence)."""
    return str(resolve_path(path)) in project.index.by_path and refusal(project, path) is not None
