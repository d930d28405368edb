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
be read, both made by the constructors of reviewlint.rules.linter) at its
line, never an exception. Lines are counted as editors, grep and GitHub count
them: only `\n`, `\r\n` and `\r` end one. Every pattern is matched in time
linear in the line. The reader stays inside the project root: a file that
resolves outside it (an absolute or `..` name, a symbolic link) is refused
unread.
"""

from __future__ import annotations

import bisect
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from reviewlint.core.guard import DEFAULT_MAX_FILE_SIZE, too_large
from reviewlint.core.microversion import Version, format_version, parse_version

# Where zero config looks first, under the root: `api-ref/source`, then every `*-api-ref/source`
# (`placement-api-ref/source` in nova's tree until 2018). The reference is the candidate that
# documents the most of the project's routes.
REFERENCE_DIRS = ("api-ref/source", "*-api-ref/source")
SECTION_FILE_SUFFIX = ".inc"
MAX_MERGE_DEPTH = 16
MAX_TITLE = 500  # longer lines are never read as titles with a version range
LOCATIONS = frozenset({"path", "query", "body", "header"})

# Subsection kinds the rules read.
REQUEST, REQUEST_EXAMPLE, RESPONSE, RESPONSE_EXAMPLE = "request", "request example", "response", "response example"

_ADORNMENT = re.compile(r"^([=\-~^\"'`#*+_.:<>])\1{2,}\s*$")
_REST_METHOD = re.compile(r"^\.\.\s+rest_method::(?P<rest>.*)$")
_REST_PARAMETERS = re.compile(r"^\.\.\s+rest_parameters::(?P<rest>.*)$")
_NOQA = re.compile(r"^\.\.\s+noqa(?:\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:[,\s]+[A-Za-z]+[0-9]+)*))?\s*$", re.I)
_RANGE = re.compile(r"\(\s*(?:microversions?\s+)?(?P<low>\d+\.\d+)\s*[-\u2013]\s*(?P<high>\d+\.\d+)?\s*\)\s*$", re.I)
_KIND = re.compile(r"^(?P<what>request|response)(?P<example>\s+examples?)?\b", re.I)
_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"})

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class Span:
    """A heading's version range: `1.12 - 1.27`, or open-ended `1.12 - `."""

    low: Version
    high: Version | None

    def __str__(self) -> str:
        return f"{format_version(self.low)} - {format_version(self.high) if self.high else ''}".rstrip()


@dataclass(frozen=True)
class ListedParameter:
    """One `- name: entry` line of a `rest_parameters` list."""

    name: str  # as written: `allocations.{consumer_uuid}.mappings`, `resourcesN`, `Location`
    key: str  # the parameters.yaml entry it points at
    line: int

    @property
    def leaf(self) -> str | None:
        """The last component of a dotted name; None when it is a `{placeholder}` or an ALL_CAPS key."""
        last = self.name.rsplit(".", 1)[-1]
        if not last or last.startswith("{") or last.isupper():
            return None
        return last


@dataclass(frozen=True)
class ParameterList:
    """A `.. rest_parameters:: parameters.yaml` directive and its items."""

    path: Path  # the `.inc` file
    line: int  # the directive's line
    source: Path  # the parameters file it names
    items: tuple[ListedParameter, ...]
    name: str = field(default="", compare=False)  # the file name as the directive writes it


@dataclass(frozen=True)
class Part:
    """A subsection of a route section: `Request`, `Response Example (1.12 - 1.27)`..."""

    kind: str  # REQUEST, REQUEST_EXAMPLE, RESPONSE, RESPONSE_EXAMPLE or "" for anything else
    title: str
    line: int  # the title's line
    span: Span | None
    lists: tuple[ParameterList, ...]


@dataclass(frozen=True)
class RouteSection:
    """A section documenting one route: its heading, `rest_method` and subsections."""

    path: Path
    method: str
    template: str  # `/resource_providers/{uuid}`; `''` (the root alias) reads as the empty string
    line: int  # the `rest_method` line
    title: str
    title_line: int
    span: Span | None
    parts: tuple[Part, ...]

    @property
    def label(self) -> str:
        """`GET /traits/{name}`, as routes name themselves."""
        return f"{self.method} {self.template or repr('')}"


@dataclass(frozen=True)
class ParameterEntry:
    """One entry of `parameters.yaml`, with what merge keys gave it."""

    key: str
    path: Path
    line: int  # the key's line
    location: str | None  # `in`
    min_version: Version | None
    max_version: Version | None
    min_line: int | None  # the entry's own `min_version:` line (None: absent or inherited)
    max_line: int | None
    type: str | None

    @property
    def min_site(self) -> int:
        """Where a finding about its min_version belongs: the entry's own `min_version:`, else its key."""
        return self.min_line or self.line

    @property
    def max_site(self) -> int:
        """Where a finding about its max_version belongs."""
        return self.max_line or self.line


@dataclass(frozen=True, order=True)
class ReferenceProblem:
    """Something in the reference that could not be read as intended (RVL901; RVL900: unreadable)."""

    path: Path
    line: int
    col: int
    code: str
    reason: str
    key: str = field(default="", compare=False)  # the parameters.yaml entry it is about, if one


@dataclass(frozen=True)
class Reference:
    """Everything read from one API reference directory."""

    directory: Path
    section_files: tuple[Path, ...]
    parameter_files: tuple[Path, ...]
    sections: tuple[RouteSection, ...]
    entries: dict[Path, dict[str, ParameterEntry]] = field(hash=False)
    problems: tuple[ReferenceProblem, ...]
    # `.inc` lines a `.. noqa[: CODES]` comment covers: () means every code.
    suppressions: dict[Path, dict[int, tuple[str, ...]]] = field(hash=False)
    # Entries that exist but are malformed (reported as RVL901): unknown, not missing.
    malformed: dict[Path, frozenset[str]] = field(hash=False, default_factory=dict)

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file the reference was read from."""
        return self.section_files + self.parameter_files

    def entry(self, plist: ParameterList, key: str) -> ParameterEntry | None:
        """The parameters-file entry a list item names."""
        return self.entries.get(plist.source, {}).get(key)

    def is_unknown(self, plist: ParameterList, key: str) -> bool:
        """True when the entry cannot be read (malformed, or its whole file is): nothing can be said of it."""
        if plist.source not in self.entries:
            return True
        return key in self.malformed.get(plist.source, frozenset())

    def entry_count(self) -> int:
        """How many parameter entries were read."""
        return sum(len(entries) for entries in self.entries.values())


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


def may_have_reference(root: Path, configured: str | None, files: Iterable[Path]) -> bool:
    """Whether a reference may exist, no file read: a named candidate, the key's directory, or any `.inc` file."""
    if reference_directory(root, configured) is not None:
        return True
    return not configured and any(path.suffix == SECTION_FILE_SUFFIX for path in files)


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
        method = _REST_METHOD.match(line)
        if method is None:
            continue
        words = method.group("rest").split()
        if len(words) == 2 and words[0].upper() in _METHODS:
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
        reader = _SectionReader(path, text)
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


def malformed_problem(path: Path, line: int, reason: str, col: int = 0, key: str = "") -> ReferenceProblem:
    """RVL901 for a malformed piece of the reference, made by the shared constructor."""
    from reviewlint.core.problems import malformed

    made = malformed(str(path), "API reference", reason, line, col)
    return ReferenceProblem(path, made.line, made.col, made.code, made.message, key)


def unreadable_problem(path: Path, line: int, reason: str) -> ReferenceProblem:
    """RVL900 for a reference file that cannot be read, made by the shared constructor."""
    from reviewlint.core.problems import unreadable

    made = unreadable(str(path), reason, line)
    return ReferenceProblem(path, made.line, made.col, made.code, made.message)


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


# -- reStructuredText ------------------------------------------------------------------------

@dataclass
class _Heading:
    line: int  # the title's line
    title: str
    level: int


@dataclass
class _Draft:
    method: str
    template: str
    line: int
    heading: _Heading | None
    parts: list[Part] = field(default_factory=list)


class _SectionReader:
    """One `.inc` file: headings with levels, `rest_method` sections, parameter lists, `.. noqa`."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = split_lines(text)
        self.problems: list[ReferenceProblem] = []
        self.suppressions: dict[int, tuple[str, ...]] = {}
        self.sections: list[RouteSection] = []
        self._levels: dict[tuple[str, bool], int] = {}
        self._read()

    def problem(self, line: int, reason: str) -> None:
        self.problems.append(malformed_problem(self.path, line, reason))

    # -- the walk -------------------------------------------------------------------------
    def _read(self) -> None:
        drafts: list[_Draft] = []
        open_drafts: list[_Draft] = []  # sections whose subsections are still being read
        pending_part: tuple[_Heading, list[ParameterList]] | None = None
        last_heading: _Heading | None = None
        pending_noqa: tuple[str, ...] | None = None

        def close_part() -> None:
            nonlocal pending_part
            if pending_part is not None:
                heading, lists = pending_part
                part = self._part(heading, lists)
                for draft in open_drafts:
                    draft.parts.append(part)
                pending_part = None

        index = 0
        lines = self.lines
        while index < len(lines):
            line = lines[index]
            number = index + 1
            heading, consumed = self._heading_at(index)
            if heading is not None:
                if pending_noqa is not None:
                    self.suppressions[heading.line] = pending_noqa
                    pending_noqa = None
                close_part()
                section_level = open_drafts[0].heading.level if open_drafts and open_drafts[0].heading else None
                if section_level is not None and heading.level <= section_level:
                    open_drafts = []
                if open_drafts:
                    pending_part = (heading, [])
                last_heading = heading
                index += consumed
                continue
            noqa = _NOQA.match(line)
            if noqa:
                codes = noqa.group("codes")
                pending_noqa = tuple(c.upper() for c in re.split(r"[,\s]+", codes) if c) if codes else ()
                index += 1
                continue
            method = _REST_METHOD.match(line)
            if method:
                draft = self._rest_method(number, method.group("rest"), last_heading)
                if draft is not None:
                    if open_drafts and open_drafts[0].heading is not last_heading:
                        close_part()
                        open_drafts = []
                    drafts.append(draft)
                    open_drafts.append(draft)
                pending_noqa = None
                index += 1
                continue
            parameters = _REST_PARAMETERS.match(line)
            if parameters:
                plist, index = self._parameter_list(index, parameters.group("rest"))
                if pending_noqa is not None and plist is not None:
                    for covered in (plist.line, *(item.line for item in plist.items)):
                        self.suppressions[covered] = pending_noqa
                pending_noqa = None
                if plist is not None and pending_part is not None:
                    pending_part[1].append(plist)
                continue
            if line.strip() and not line.startswith((" ", "\t")):
                pending_noqa = None  # a `.. noqa` covers only the element right after it
            index += 1
        close_part()
        for draft in drafts:
            self.sections.append(self._section(draft))

    def _heading_at(self, index: int) -> tuple[_Heading | None, int]:
        """A section title at `index` (title + underline, or overline + title + underline)."""
        lines = self.lines
        line = lines[index]
        over = _ADORNMENT.match(line)
        if over and index + 2 < len(lines):
            title, under = lines[index + 1], lines[index + 2]
            if (title.strip() and not _ADORNMENT.match(title) and _ADORNMENT.match(under)
                    and under.strip()[0] == line.strip()[0]):
                return self._make_heading(index + 2, title.strip(), (line.strip()[0], True)), 3
        if not line.strip() or line[0] in " \t" or over or index + 1 >= len(lines):
            return None, 1
        under = lines[index + 1]
        if not _ADORNMENT.match(under) or len(under.rstrip()) < min(len(line.rstrip()), 3):
            return None, 1
        if index > 0 and lines[index - 1].strip() and not _ADORNMENT.match(lines[index - 1]):
            return None, 1  # the last line of a paragraph, not a title
        return self._make_heading(index + 1, line.strip(), (under.strip()[0], False)), 2

    def _make_heading(self, title_index: int, title: str, style: tuple[str, bool]) -> _Heading:
        level = self._levels.setdefault(style, len(self._levels))
        return _Heading(title_index, title, level)

    def _rest_method(self, number: int, rest: str, heading: _Heading | None) -> _Draft | None:
        words = rest.split()
        if len(words) != 2 or words[0].upper() not in _METHODS:
            self.problem(number, f"rest_method needs an HTTP method and a path, got {rest.strip()!r}")
            return None
        template = "" if words[1] in ("''", '""') else words[1]
        return _Draft(words[0].upper(), template, number, heading)

    def _parameter_list(self, index: int, rest: str) -> tuple[ParameterList | None, int]:
        """The directive at `index` and its items; returns the index after them."""
        number = index + 1
        source_name = rest.strip()
        lines = self.lines
        index += 1
        items: list[ListedParameter] = []
        while index < len(lines):
            line = lines[index]
            if not line.strip():
                index += 1
                continue
            if not line.startswith((" ", "\t")):
                break
            text = _item_text(line)
            parsed = _item(text) if text is not None else None
            if parsed is None:
                if not line.strip().startswith(":"):  # directive options are allowed
                    self.problem(index + 1, f"expected a '- name: entry' item, got {line.strip()[:80]!r}")
            else:
                items.append(ListedParameter(parsed[0], parsed[1], index + 1))
            index += 1
        if not source_name:
            self.problem(number, "rest_parameters names no parameters file")
            return None, index
        return ParameterList(self.path, number, self.path.parent / source_name, tuple(items), source_name), index

    def _span(self, title: str, line: int) -> tuple[str, Span | None]:
        match = _RANGE.search(title) if len(title) <= MAX_TITLE else None
        if match is None:
            return title, None
        low = parse_version(match.group("low"))
        high = parse_version(match.group("high")) if match.group("high") else None
        if low is None or (match.group("high") and high is None):
            return title, None
        if high is not None and high < low:
            self.problem(line, f"the version range in {title!r} is empty")
            return title[:match.start()].strip(), None
        return title[:match.start()].strip(), Span(low, high)

    def _part(self, heading: _Heading, lists: list[ParameterList]) -> Part:
        bare, span = self._span(heading.title, heading.line)
        kind = ""
        match = _KIND.match(bare)
        if match:
            kind = match.group("what").lower() + (" example" if match.group("example") else "")
        return Part(kind, heading.title, heading.line, span, tuple(lists))

    def _section(self, draft: _Draft) -> RouteSection:
        heading = draft.heading
        if heading is None:
            return RouteSection(self.path, draft.method, draft.template, draft.line, "", draft.line, None,
                                tuple(draft.parts))
        _, span = self._span(heading.title, heading.line)
        return RouteSection(self.path, draft.method, draft.template, draft.line, heading.title, heading.line,
                            span, tuple(draft.parts))


def _item_text(line: str) -> str | None:
    """The text of a `  - name: entry` list line (indented, a dash, a blank), stripped; None if it is none.

    What `^\\s+-\\s+(.*?)\\s*$` matched, in one pass: that pattern took time
    quadratic in a run of blanks.
    """
    stripped = line.lstrip()
    if len(stripped) == len(line) or len(stripped) < 2 or stripped[0] != "-" or not stripped[1].isspace():
        return None
    return stripped[1:].strip()


def _item(text: str) -> tuple[str, str] | None:
    """(name, entry) of a `name: entry` item text, without a regular expression that could backtrack."""
    name, colon, key = text.rpartition(":")
    name, key = name.strip(), key.strip()
    if not colon or not name or not key or ":" in name or any(c.isspace() for c in key):
        return None
    return name, key


# -- parameters.yaml -------------------------------------------------------------------------

class _LineIndex:
    """Line numbers of a text's characters, counting only `\n`, `\r\n` and `\r` as line ends.

    YAML also ends lines at `\x85`, `\u2028` and `\u2029`, so its marks'
    own line numbers drift from what editors show; their character index
    does not.
    """

    def __init__(self, text: str) -> None:
        self.starts = [0] + [found.end() for found in _LINE_END.finditer(text)]
        self.count = len(split_lines(text)) or 1

    def line(self, mark: Any) -> int:
        """The 1-based line of a YAML mark (its `index` is a character offset)."""
        return bisect.bisect_right(self.starts, getattr(mark, "index", 0))

    def column(self, mark: Any) -> int:
        """The 0-based column of a YAML mark, in characters from its line's start."""
        index = getattr(mark, "index", 0)
        return index - self.starts[bisect.bisect_right(self.starts, index) - 1]


_LINE_END = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of `text` as editors, grep and GitHub count them: only `\n`, `\r\n` and `\r` end one."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def _loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_parameters(path: Path, text: str, max_size: int = DEFAULT_MAX_FILE_SIZE
                    ) -> tuple[dict[str, ParameterEntry] | None, list[ReferenceProblem]]:
    """The entries of a parameters file (None when it cannot be read at all), and its problems (RVL901)."""
    import yaml

    problems: list[ReferenceProblem] = []

    def problem(line: int, reason: str, col: int = 0, key: str = "") -> None:
        problems.append(malformed_problem(path, line, reason, col, key))

    if len(text) > max_size:
        problems.append(unreadable_problem(path, 1, str(too_large(None, max_size))))
        return None, problems
    lines = _LineIndex(text)
    try:
        root = yaml.compose(text, Loader=_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, col = (lines.line(mark), lines.column(mark)) if mark is not None else (1, 0)
        line = min(line, lines.count)
        reason = " ".join(str(getattr(exc, "problem", None) or exc).split())
        problem(line, f"YAML error: {reason}", col)
        return None, problems
    except RecursionError:
        problem(1, "YAML nested too deeply to read")
        return None, problems
    if root is None:
        return {}, problems
    if not isinstance(root, yaml.MappingNode):
        problem(lines.line(root.start_mark), f"{path.name} must be a mapping of parameter entries")
        return None, problems
    merged: dict[int, dict[str, Any] | None] = {}  # merge results by node, shared by every entry
    entries: dict[str, ParameterEntry] = {}
    for key_node, value_node in root.value:
        line = lines.line(key_node.start_mark)
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
            problem(line, "parameter entries must be named by plain keys")
            continue
        key = key_node.value

        def entry_problem(at: int, reason: str, col: int = 0, key: str = key) -> None:
            problem(at, reason, col, key)

        if not isinstance(value_node, yaml.MappingNode):
            entry_problem(lines.line(value_node.start_mark),
                          f"entry {key} must be a mapping (in, type, description...)")
            continue
        before = len(problems)
        fields = _Merger(entry_problem, merged, lines.line).fields(value_node)
        if fields is None:
            if len(problems) == before:  # the broken mapping it merges was reported with its first user
                entry_problem(line, f"entry {key} merges a mapping that cannot be read")
            continue
        own = {k.value: v for k, v in value_node.value if isinstance(k, yaml.ScalarNode) and k.tag != _MERGE_TAG}
        entry = _entry(path, key, line, fields, own, entry_problem, lines.line)
        if entry is not None:
            entries[key] = entry
    return entries, problems


class _Merger:
    """An entry's fields with merge keys (`<<: *anchor`, `<<: [*a, *b]`) applied, memoised per node."""

    def __init__(self, problem: Callable[..., None], done: dict[int, dict[str, Any] | None],
                 line_of: Callable[[Any], int]) -> None:
        self.problem = problem
        self.line_of = line_of
        self._done = done
        self._active: set[int] = set()

    def fields(self, node: Any, depth: int = 0) -> dict[str, Any] | None:
        import yaml

        key = id(node)
        if key in self._done:
            return self._done[key]
        if key in self._active or depth > MAX_MERGE_DEPTH:
            self.problem(self.line_of(node.start_mark), "merge keys nest too deeply or refer to themselves")
            return None
        self._active.add(key)
        merged: dict[str, Any] = {}
        own: dict[str, Any] = {}
        result: dict[str, Any] | None = None
        try:
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                    for source in sources:
                        if not isinstance(source, yaml.MappingNode):
                            self.problem(self.line_of(source.start_mark), "a merge key (<<) must name mappings")
                            return None
                        inherited = self.fields(source, depth + 1)
                        if inherited is None:
                            return None
                        for name, value in inherited.items():
                            merged.setdefault(name, value)  # the first mapping merged wins
                elif isinstance(key_node, yaml.ScalarNode):
                    own[key_node.value] = value_node
            result = {**merged, **own}
        finally:
            self._active.discard(key)
            self._done[key] = result
        return result


def _entry(path: Path, key: str, line: int, fields: dict[str, Any], own: dict[str, Any],
           problem: Callable[..., None], line_of: Callable[[Any], int]) -> ParameterEntry | None:
    import yaml

    def scalar(name: str) -> tuple[str | None, bool]:
        """(text, ok): the source text of a scalar field; None for an absent or null one."""
        node = fields.get(name)
        if node is None or node.tag == _NULL_TAG:
            return None, True
        if not isinstance(node, yaml.ScalarNode):
            problem(line_of(node.start_mark), f"{name} of entry {key} must be a scalar")
            return None, False
        return node.value, True

    location, ok = scalar("in")
    if not ok:
        return None
    if location is not None and location.lower() not in LOCATIONS:
        problem(line_of(fields["in"].start_mark),
                f"entry {key} has in: {location}; expected one of {', '.join(sorted(LOCATIONS))}")
        return None
    versions: list[Version | None] = []
    for name in ("min_version", "max_version"):
        text, ok = scalar(name)
        if not ok:
            return None
        version = parse_version(text) if text is not None else None
        if text is not None and version is None:
            problem(line_of(fields[name].start_mark),
                    f"{name} of entry {key} is {text!r}; expected a microversion such as 1.10")
            return None
        versions.append(version)
    kind, _ = scalar("type")
    return ParameterEntry(
        key, path, line, location.lower() if location else None, versions[0], versions[1],
        line_of(own["min_version"].start_mark) if "min_version" in own else None,
        line_of(own["max_version"].start_mark) if "max_version" in own else None,
        kind)
