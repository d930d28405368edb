"""The project's API reference: the candidate directory that documents the most of its routes, read once.

Candidates are `api-ref/source`, every `*-api-ref/source` and any directory
whose `.inc` files hold `rest_method` sections; the one whose sections name
the most routes of the route table (method and path, placeholders
normalised) is the reference, unless the `api-ref` key names one. A nova-era
tree holds nova's compute reference in `api-ref/` beside Placement's in
`placement-api-ref/`: the routes decide, not the names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reviewlint.model.project import Codec, Project
    from reviewlint.service.reference_data import Reference


MAX_SEARCHED_FILES = 2000  # `.inc` files outside the named candidates read to find other candidates


@dataclass(frozen=True)
class Candidate:
    """A directory that may be the reference: what its `rest_method` sections name of the routes."""

    directory: Path
    documented: int  # routes of the route table its sections name
    named: bool  # found by its name (`api-ref/source`, `*-api-ref/source`), not by a search


@dataclass(frozen=True)
class Choice:
    """Which candidate is the reference, and why."""

    candidates: tuple[Candidate, ...]
    routes: int  # routes in the route table (method and path)
    chosen: Path | None
    configured: bool  # the `api-ref` key chose it
    searched_all: bool = True  # False when MAX_SEARCHED_FILES stopped the search

    def why(self) -> str:
        """Why the chosen one is the reference, or why there is none."""
        if self.configured:
            return "the api-ref key names it" if self.chosen is not None else \
                "the api-ref key names no directory"
        if self.chosen is None:
            if not self.routes:
                return "no route table to compare the candidates with"
            return "no candidate documents a route of the route table"
        if len(self.candidates) == 1:
            return "the only candidate"
        best = max(candidate.documented for candidate in self.candidates)
        ties = sum(candidate.documented == best for candidate in self.candidates)
        if ties > 1:
            return f"it documents the most routes, as {ties - 1} other candidate(s) do, and comes first"
        return "it documents the most routes"


def choice(project: "Project") -> Choice:
    """The candidates and the one chosen, once per run (and cached with the files it read)."""
    return project.memo("rvl6:choice", lambda: _choose(project), _choice_codec())


def _choice_codec() -> "Codec[Choice]":
    from reviewlint.model.project import Codec

    return Codec(
        lambda c: [[[str(k.directory), k.documented, k.named] for k in c.candidates], c.routes,
                   str(c.chosen) if c.chosen is not None else None, c.configured, c.searched_all],
        lambda d: Choice(tuple(Candidate(Path(str(p)), int(n), bool(named)) for p, n, named in d[0]), int(d[1]),
                         Path(str(d[2])) if d[2] is not None else None, bool(d[3]), bool(d[4])))


def _choose(project: "Project") -> Choice:
    from reviewlint.service.reference import (configured_directory, documented_routes, named_candidates, outside_root,
                                              route_shape, section_files)
    from reviewlint.model.project import is_excluded
    from reviewlint.service.routes import route_table
    from reviewlint.core.source import UnreadableSource

    root = project.root
    table = route_table(project)
    keys = {(route.method, route_shape(route.template)) for route in table.routes} if table is not None else set()

    def documented(files: list[Path]) -> int:
        found: set[tuple[str, str]] = set()
        for path in files:
            if outside_root(path, root):
                continue
            try:
                found |= documented_routes(project.source(path))
            except UnreadableSource:
                continue
        return len(found & keys)

    def excluded(name: str, rel: str) -> bool:
        return is_excluded(name, rel, project.exclude)

    if project.config.api_ref:
        directory = configured_directory(root, project.config.api_ref)
        configured = (Candidate(directory, documented(section_files(directory, excluded)), True),) \
            if directory is not None else ()
        return Choice(configured, len(keys), directory, True)
    named = [directory for directory in named_candidates(root) if not _excluded_directory(project, directory)]
    candidates = [Candidate(directory, documented(section_files(directory, excluded)), True) for directory in named]
    # Other directories whose `.inc` files hold `rest_method` sections: the model's files, excluded paths left out.
    from reviewlint.core.config import resolve_path

    inside = [resolve_path(directory) for directory in named]
    searched: dict[Path, list[Path]] = {}
    budget = MAX_SEARCHED_FILES
    for path in project.files:
        if path.suffix != ".inc" or any(directory in resolve_path(path).parents for directory in inside):
            continue
        if budget == 0:
            break
        budget -= 1
        searched.setdefault(path.parent, []).append(path)
    for directory, files in sorted(searched.items()):
        if outside_root(directory, root):
            continue
        count = documented(files)
        if count:
            candidates.append(Candidate(directory, count, False))
    best = max((c.documented for c in candidates), default=0)
    chosen = next((c.directory for c in candidates if c.documented == best), None) if best else None
    return Choice(tuple(candidates), len(keys), chosen, False, budget > 0 or not searched)


def _excluded_directory(project: "Project", directory: Path) -> bool:
    """A directory under the root that `exclude` leaves out (itself or a directory above it)."""
    from reviewlint.model.project import is_excluded

    parts = directory.relative_to(project.root).parts
    return any(is_excluded(part, "/".join(parts[:index + 1]), project.exclude) for index, part in enumerate(parts))


def reference_directory(project: "Project") -> Path | None:
    """The reference's source directory: the candidate that documents the most routes (or the `api-ref` key's)."""
    return choice(project).chosen


def reference(project: "Project") -> "Reference | None":
    """The project's API reference, read once per run; None without one."""
    return project.memo("rvl6:reference", lambda: _read(project))


def _read(project: "Project") -> "Reference | None":
    from reviewlint.service.reference import ReferenceUnreadable, read_reference, section_files
    from reviewlint.model.project import is_excluded
    from reviewlint.core.source import UnreadableSource

    directory = reference_directory(project)
    if directory is None:
        return None

    def text_of(path: Path) -> str:
        try:
            return project.source(path)
        except UnreadableSource as exc:
            raise ReferenceUnreadable(str(exc), exc.line) from None

    files = section_files(directory, lambda name, rel: is_excluded(name, rel, project.exclude))
    return read_reference(directory, files, text_of, root=project.root, max_size=project.config.max_file_size)


def is_reference_file(project: "Project", path: Path) -> bool:
    """A `.inc` or YAML file inside the reference directory (the chosen candidate)."""
    from reviewlint.service.reference import is_reference_input
    from reviewlint.core.config import resolve_path

    if not is_reference_input(project.root, project.config.api_ref, path):
        return False
    directory = reference_directory(project)
    return directory is not None and resolve_path(directory) in resolve_path(path).parents
