"""The API reference, read as plain data: route sections of `*.inc` files and `parameters.yaml`.

Placement documents its API by hand in `api-ref/source/` (`placement-api-ref/
source/` before the code left nova): reStructuredText `.inc` files where each
route is a section holding `.. rest_method:: GET /path`, subsections such as
`Request (microversions 1.12 - )` with `.. rest_parameters:: parameters.yaml`
lists of `- name: entry` lines, and a YAML file of those entries (`in`,
`min_version`, `max_version`...). This module turns them into frozen data
with the line of everything, for the RVL6xx rules; it imports neither LibCST
nor anything it reads.

The reader trusts no byte of its input: files are size-bounded, YAML is only
composed (the safe loader's node graph: no object is constructed, aliases
are shared nodes, never expanded copies), merge keys are followed to a
bounded depth with a guard against cycles, and versions are read from the
source text (`1.10` stays 1.10; PyYAML would read the float 1.1). Whatever
is malformed becomes a ReferenceProblem (RVL901, RVL900 when the file cannot
be read, both made by the constructors of reviewlint.core.problems) at its
line, never an exception. Lines are counted as editors, grep and GitHub count
them: only `\n`, `\r\n` and `\r` end one. Every pattern is matched in time
linear in the line. The reader stays inside the project root: a file that
resolves outside it (an absolute or `..` name, a symbolic link) is refused
unread.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Callable, Iterable, Iterator

from reviewlint.core.guard import DEFAULT_MAX_FILE_SIZE, too_large
from reviewlint.service.reference_data import (METHODS, ParameterEntry, ParameterList, REFERENCE_DIRS, REST_METHOD,
                                               Reference, ReferenceProblem, RouteSection, SECTION_FILE_SUFFIX,
                                               malformed_problem, split_lines, unreadable_problem)
from reviewlint.service.reference_sections import SectionReader
from reviewlint.service.reference_parameters import read_parameters


def named_candidates(root: Path) -> list[Path]:
    """The candidate references zero config knows by name: `api-ref/source`, then each `*-api-ref/source`.

    A stat per name and one listing of the root; none that resolves outside the root.
    """
    found = [root / REFERENCE_DIRS[0]]
    try:
        names = sorted(os.listdir(root))
    except OSError:
        names = []
    found.extend(root / name / "source" for name in names if name.endswith("-api-ref") and name != "api-ref")
    return [directory for directory in found if _is_dir(directory) and not outside_root(directory, root)]


def configured_directory(root: Path, configured: str) -> Path | None:
    """The directory the `api-ref` key names, when it is one (the config refuses one outside the root)."""
    directory = root / configured
    return directory if _is_dir(directory) and not outside_root(directory, root) else None


def reference_directory(root: Path, configured: str | None) -> Path | None:
    """A cheap guess, no file read: the `api-ref` key's directory, else the first named candidate.

    Only tells whether a reference may exist; which candidate is the
    reference is decided by what they document (reviewlint.rules.apiref).
    """
    if configured:
        return configured_directory(root, configured)
    found = named_candidates(root)
    return found[0] if found else None


def may_have_reference(root: Path, configured: str | None, files: Iterable[str]) -> bool:
    """Whether a reference may exist, no file read: a named candidate, the key's directory, or any `.inc` file
    (`files`: the tree's paths as strings, none made a Path: a large tree has many)."""
    if reference_directory(root, configured) is not None:
        return True
    return not configured and any(os.path.splitext(path)[1] == SECTION_FILE_SUFFIX for path in files)


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


@functools.lru_cache(maxsize=64)
def _resolved_directories(root: Path, configured: str | None) -> tuple[str, ...]:
    from reviewlint.core.config import resolve_path

    if configured:
        found = configured_directory(root, configured)
        return (str(resolve_path(found)),) if found is not None else ()
    return tuple(str(resolve_path(directory)) for directory in named_candidates(root))


@functools.lru_cache(maxsize=64)
def _resolved_root(root: Path) -> str:
    from reviewlint.core.config import resolve_path

    return str(resolve_path(root))


@functools.lru_cache(maxsize=4096)
def _holds_sections(directory: Path) -> bool:
    try:
        return any(name.endswith(SECTION_FILE_SUFFIX) for name in os.listdir(directory))
    except OSError:
        return False


def is_reference_input(root: Path, configured: str | None, path: Path) -> bool:
    """A file that may be part of a reference (a few stats, no file read).

    A `.inc` or YAML file inside the `api-ref` key's directory; without the
    key, inside a named candidate, or any `.inc` file of the root and a YAML
    file beside one (a candidate found by its `rest_method` sections). Which
    candidate is the reference is decided later, by what they document.
    """
    if path.suffix not in (SECTION_FILE_SUFFIX, ".yaml", ".yml"):
        return False
    from reviewlint.core.config import resolve_path

    resolved = resolve_path(path)
    here = str(resolved)
    if not _within(here, _resolved_root(root)):
        return False
    if any(here != directory and _within(here, directory) for directory in _resolved_directories(root, configured)):
        return True
    if configured:
        return False
    return path.suffix == SECTION_FILE_SUFFIX or _holds_sections(resolved.parent)


def route_shape(template: str) -> str:
    """A path template with its placeholders anonymised (`/x/{uuid}` and `/x/{rp_uuid}` agree).

    Each `{...}` becomes `{}` (what `re.sub(r"\\{[^}]*\\}", "{}", ...)` did,
    in one pass: that pattern took time quadratic in a run of `{`).
    """
    parts: list[str] = []
    index = 0
    while True:
        opening = template.find("{", index)
        closing = template.find("}", opening) if opening >= 0 else -1
        if closing < 0:
            parts.append(template[index:])
            break
        parts.append(template[index:opening])
        parts.append("{}")
        index = closing + 1
    return "".join(parts) or "/"


def documented_routes(text: str) -> set[tuple[str, str]]:
    """(METHOD, route shape) of every well-formed `.. rest_method::` line of a section file."""
    found: set[tuple[str, str]] = set()
    if "rest_method::" not in text:
        return found
    for line in split_lines(text):
        if not line.startswith(".."):
            continue
        method = REST_METHOD.match(line)
        if method is None:
            continue
        words = method.group("rest").split()
        if len(words) == 2 and words[0].upper() in METHODS:
            found.add((words[0].upper(), route_shape("" if words[1] in ("''", '""') else words[1])))
    return found


def section_files(directory: Path, excluded: Callable[[str, str], bool] | None = None) -> list[Path]:
    """Every `*.inc` file under the reference directory, sorted."""
    found: list[Path] = []
    for current, dirnames, filenames in os.walk(directory):
        rel = os.path.relpath(current, directory)
        dirnames[:] = sorted(d for d in dirnames
                             if excluded is None or not excluded(d, os.path.normpath(os.path.join(rel, d))))
        found.extend(Path(current, name) for name in sorted(filenames) if name.endswith(SECTION_FILE_SUFFIX))
    return sorted(found)


class ReferenceUnreadable(Exception):
    """A reference file that cannot be read; the message is one line."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


TextOf = Callable[[Path], str]


def read_reference(directory: Path, files: Iterable[Path], text_of: TextOf, *, root: Path | None = None,
                   max_size: int = DEFAULT_MAX_FILE_SIZE) -> Reference:
    """Read the `.inc` files and every parameters file their lists name.

    `text_of(path)` returns a file's text (the project's view, so an editor
    buffer wins over the disk) or raises ReferenceUnreadable. With `root`,
    no file that resolves outside it is read (nor shown). A text over
    `max_size` characters is refused as the guard refuses a file over
    `max-file-size`.
    """
    problems: list[ReferenceProblem] = []
    sections: list[RouteSection] = []
    suppressions: dict[Path, dict[int, tuple[str, ...]]] = {}
    inc_files = tuple(files)
    for path in inc_files:
        if root is not None and outside_root(path, root):
            continue  # a link out of the project: not read, and no finding that would show it
        text = _text(path, text_of, problems, max_size)
        if text is None:
            continue
        reader = SectionReader(path, text)
        sections.extend(reader.sections)
        problems.extend(reader.problems)
        if reader.suppressions:
            suppressions[path] = reader.suppressions
    plists = [plist for section in sections for part in section.parts for plist in part.lists]
    refused: dict[Path, str] = {}
    for plist in plists:
        if plist.source not in refused:
            reason = _refusal(plist.source, root)
            if reason is not None:
                refused[plist.source] = reason
    sources = sorted({plist.source for plist in plists} - set(refused))
    entries: dict[Path, dict[str, ParameterEntry]] = {}
    read: list[Path] = []
    unreadable: set[Path] = set(refused)  # refused: its entries are unknown, not missing
    malformed: dict[Path, frozenset[str]] = {}
    for source in sources:
        if not _is_file(source) and not _readable(source, text_of):
            continue
        text = _text(source, text_of, problems, max_size)
        read.append(source)
        if text is None:
            unreadable.add(source)
            continue
        found, trouble = read_parameters(source, text, max_size)
        problems.extend(trouble)
        if found is None:
            unreadable.add(source)  # its entries are unknown, not missing
        else:
            entries[source] = found
            malformed[source] = frozenset(p.key for p in trouble if p.key)
    problems.extend(_refused(plists, refused))
    problems.extend(_dangling(sections, entries, set(read) | set(refused), unreadable, malformed))
    return Reference(directory, inc_files, tuple(read), tuple(sections), entries,
                     tuple(sorted(set(problems))), suppressions, malformed)


def outside_root(path: Path, root: Path) -> bool:
    """True when `path` (through every symbolic link) is not inside `root`."""
    from reviewlint.core.config import resolve_path

    return not _within(str(resolve_path(path)), str(resolve_path(root)))


def _within(path: str, directory: str) -> bool:
    """A resolved path is `directory` or under it (strings: every file of a tree may be asked)."""
    return path == directory or path.startswith(directory if directory.endswith(os.sep) else directory + os.sep)


# A file name no file system takes: longer than NAME_MAX per component or PATH_MAX in all.
MAX_NAME = 255
MAX_PATH = 4096


def _refusal(source: Path, root: Path | None) -> str | None:
    """Why the parameters file a list names is not read (None: it may be)."""
    text = str(source)
    if any(ord(char) < 32 or char == "\x7f" for char in text):
        return "has a control character in its file name"
    if len(os.fsencode(text)) > MAX_PATH or any(len(os.fsencode(part)) > MAX_NAME for part in source.parts):
        return "is longer than a file name can be"
    if root is not None and outside_root(source, root):
        return "is outside the project root; it is not read"
    return None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _readable(path: Path, text_of: TextOf) -> bool:
    try:
        text_of(path)
    except ReferenceUnreadable:
        return False
    return True


def _text(path: Path, text_of: TextOf, problems: list[ReferenceProblem], max_size: int) -> str | None:
    try:
        text = text_of(path)
    except ReferenceUnreadable as exc:
        problems.append(unreadable_problem(path, exc.line, str(exc)))
        return None
    if len(text) > max_size:  # an editor's buffer: the disk's are refused before they are read
        problems.append(unreadable_problem(path, 1, str(too_large(None, max_size))))
        return None
    return text


def _shown_name(name: str) -> str:
    """A file name as a message shows it: printable, and short."""
    shown = repr(name)
    return shown if len(shown) <= 80 else shown[:76] + "...'"


def _refused(plists: list[ParameterList], refused: dict[Path, str]) -> Iterator[ReferenceProblem]:
    """One RVL901 per `rest_parameters` directive whose file is refused, naming the directive."""
    for plist in plists:
        reason = refused.get(plist.source)
        if reason is not None:
            yield malformed_problem(plist.path, plist.line,
                                    f"rest_parameters names {_shown_name(plist.name)}, which {reason}")


def _dangling(sections: list[RouteSection], entries: dict[Path, dict[str, ParameterEntry]],
              read: set[Path], unreadable: set[Path], malformed: dict[Path, frozenset[str]]
              ) -> Iterator[ReferenceProblem]:
    """Lists that name a parameters file that is missing, or an entry it does not define."""
    seen: set[tuple[Path, int]] = set()
    for section in sections:
        for part in section.parts:
            for plist in part.lists:
                if (plist.path, plist.line) in seen:
                    continue
                seen.add((plist.path, plist.line))
                if plist.source not in read:
                    yield malformed_problem(plist.path, plist.line,
                                            f"rest_parameters names {plist.source.name}, "
                                            f"which is not a readable file beside {plist.path.name}")
                    continue
                if plist.source in unreadable:
                    continue
                known = entries.get(plist.source, {})
                broken = malformed.get(plist.source, frozenset())
                for item in plist.items:
                    if item.key not in known and item.key not in broken:
                        yield malformed_problem(plist.path, item.line,
                                                f"{item.name} names the entry {item.key}, "
                                                f"which {plist.source.name} does not define")
