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
be read) at its line, never an exception.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from reviewlint.core.microversion import Version, format_version, parse_version

# Where zero config looks, under the root, in this order.
REFERENCE_DIRS = ("api-ref/source", "placement-api-ref/source")
SECTION_FILE_SUFFIX = ".inc"
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_MERGE_DEPTH = 16
MAX_TITLE = 500  # longer lines are never read as titles with a version range
LOCATIONS = frozenset({"path", "query", "body", "header"})

# Subsection kinds the rules read.
REQUEST, REQUEST_EXAMPLE, RESPONSE, RESPONSE_EXAMPLE = "request", "request example", "response", "response example"

_ADORNMENT = re.compile(r"^([=\-~^\"'`#*+_.:<>])\1{2,}\s*$")
_REST_METHOD = re.compile(r"^\.\.\s+rest_method::(?P<rest>.*)$")
_REST_PARAMETERS = re.compile(r"^\.\.\s+rest_parameters::(?P<rest>.*)$")
_ITEM = re.compile(r"^\s+-\s+(?P<text>.*?)\s*$")
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


def reference_directory(root: Path, configured: str | None) -> Path | None:
    """The reference's source directory: the `api-ref` key, else `api-ref/source` or `placement-api-ref/source`."""
    candidates = [configured] if configured else list(REFERENCE_DIRS)
    for candidate in candidates:
        directory = root / candidate
        if directory.is_dir():
            return directory
    return None


@functools.lru_cache(maxsize=64)
def _resolved_directory(root: Path, configured: str | None) -> Path | None:
    from reviewlint.core.config import resolve_path

    found = reference_directory(root, configured)
    return resolve_path(found) if found is not None else None


def is_reference_input(root: Path, configured: str | None, path: Path) -> bool:
    """A `.inc` or YAML file inside the reference directory (a stat of the directory, no file read)."""
    if path.suffix not in (SECTION_FILE_SUFFIX, ".yaml", ".yml"):
        return False
    directory = _resolved_directory(root, configured)
    if directory is None:
        return False
    from reviewlint.core.config import resolve_path

    return directory in resolve_path(path).parents


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


def read_reference(directory: Path, files: Iterable[Path], text_of: TextOf) -> Reference:
    """Read the `.inc` files and every parameters file their lists name.

    `text_of(path)` returns a file's text (the project's view, so an editor
    buffer wins over the disk) or raises ReferenceUnreadable.
    """
    problems: list[ReferenceProblem] = []
    sections: list[RouteSection] = []
    suppressions: dict[Path, dict[int, tuple[str, ...]]] = {}
    inc_files = tuple(files)
    for path in inc_files:
        text = _text(path, text_of, problems)
        if text is None:
            continue
        if len(text) > MAX_FILE_BYTES:
            problems.append(ReferenceProblem(path, 1, 0, "RVL901", f"malformed API reference: {path.name} is "
                                             f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"))
            continue
        reader = _SectionReader(path, text)
        sections.extend(reader.sections)
        problems.extend(reader.problems)
        if reader.suppressions:
            suppressions[path] = reader.suppressions
    sources = sorted({plist.source for section in sections for part in section.parts for plist in part.lists})
    entries: dict[Path, dict[str, ParameterEntry]] = {}
    read: list[Path] = []
    unreadable: set[Path] = set()
    malformed: dict[Path, frozenset[str]] = {}
    for source in sources:
        if not source.is_file() and not _readable(source, text_of):
            continue
        text = _text(source, text_of, problems)
        read.append(source)
        if text is None:
            unreadable.add(source)
            continue
        found, trouble = read_parameters(source, text)
        problems.extend(trouble)
        if found is None:
            unreadable.add(source)  # its entries are unknown, not missing
        else:
            entries[source] = found
            malformed[source] = frozenset(p.key for p in trouble if p.key)
    problems.extend(_dangling(sections, entries, set(read), unreadable, malformed))
    return Reference(directory, inc_files, tuple(read), tuple(sections), entries,
                     tuple(sorted(set(problems))), suppressions, malformed)


def _readable(path: Path, text_of: TextOf) -> bool:
    try:
        text_of(path)
    except ReferenceUnreadable:
        return False
    return True


def _text(path: Path, text_of: TextOf, problems: list[ReferenceProblem]) -> str | None:
    try:
        return text_of(path)
    except ReferenceUnreadable as exc:
        problems.append(ReferenceProblem(path, exc.line, 0, "RVL900", f"cannot check this file: {exc}"))
        return None


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
                    yield ReferenceProblem(plist.path, plist.line, 0, "RVL901",
                                           f"malformed API reference: rest_parameters names {plist.source.name}, "
                                           f"which is not a readable file beside {plist.path.name}")
                    continue
                if plist.source in unreadable:
                    continue
                known = entries.get(plist.source, {})
                broken = malformed.get(plist.source, frozenset())
                for item in plist.items:
                    if item.key not in known and item.key not in broken:
                        yield ReferenceProblem(plist.path, item.line, 0, "RVL901",
                                               f"malformed API reference: {item.name} names the entry {item.key}, "
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
        self.lines = text.splitlines()
        self.problems: list[ReferenceProblem] = []
        self.suppressions: dict[int, tuple[str, ...]] = {}
        self.sections: list[RouteSection] = []
        self._levels: dict[tuple[str, bool], int] = {}
        self._read()

    def problem(self, line: int, reason: str) -> None:
        self.problems.append(ReferenceProblem(self.path, line, 0, "RVL901", f"malformed API reference: {reason}"))

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
            item = _ITEM.match(line)
            parsed = _item(item.group("text")) if item else None
            if parsed is None:
                if not line.strip().startswith(":"):  # directive options are allowed
                    self.problem(index + 1, f"expected a '- name: entry' item, got {line.strip()[:80]!r}")
            else:
                items.append(ListedParameter(parsed[0], parsed[1], index + 1))
            index += 1
        if not source_name:
            self.problem(number, "rest_parameters names no parameters file")
            return None, index
        return ParameterList(self.path, number, self.path.parent / source_name, tuple(items)), index

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


def _item(text: str) -> tuple[str, str] | None:
    """(name, entry) of a `name: entry` item text, without a regular expression that could backtrack."""
    name, colon, key = text.rpartition(":")
    name, key = name.strip(), key.strip()
    if not colon or not name or not key or ":" in name or any(c.isspace() for c in key):
        return None
    return name, key


# -- parameters.yaml -------------------------------------------------------------------------

def _loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_parameters(path: Path, text: str) -> tuple[dict[str, ParameterEntry] | None, list[ReferenceProblem]]:
    """The entries of a parameters file (None when it cannot be read at all), and its problems (RVL901)."""
    import yaml

    problems: list[ReferenceProblem] = []

    def problem(line: int, reason: str, col: int = 0, key: str = "") -> None:
        problems.append(ReferenceProblem(path, line, col, "RVL901", f"malformed API reference: {reason}", key))

    if len(text) > MAX_FILE_BYTES:
        problem(1, f"{path.name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        return None, problems
    try:
        root = yaml.compose(text, Loader=_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, col = (mark.line + 1, mark.column) if mark is not None else (1, 0)
        line = min(line, max(1, len(text.splitlines())))
        reason = " ".join(str(getattr(exc, "problem", None) or exc).split())
        problem(line, f"YAML error: {reason}", col)
        return None, problems
    except RecursionError:
        problem(1, "YAML nested too deeply to read")
        return None, problems
    if root is None:
        return {}, problems
    if not isinstance(root, yaml.MappingNode):
        problem(root.start_mark.line + 1, f"{path.name} must be a mapping of parameter entries")
        return None, problems
    merged: dict[int, dict[str, Any] | None] = {}  # merge results by node, shared by every entry
    entries: dict[str, ParameterEntry] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
            problem(line, "parameter entries must be named by plain keys")
            continue
        key = key_node.value

        def entry_problem(at: int, reason: str, col: int = 0, key: str = key) -> None:
            problem(at, reason, col, key)

        if not isinstance(value_node, yaml.MappingNode):
            entry_problem(value_node.start_mark.line + 1, f"entry {key} must be a mapping (in, type, description...)")
            continue
        before = len(problems)
        fields = _Merger(entry_problem, merged).fields(value_node)
        if fields is None:
            if len(problems) == before:  # the broken mapping it merges was reported with its first user
                entry_problem(line, f"entry {key} merges a mapping that cannot be read")
            continue
        own = {k.value: v for k, v in value_node.value if isinstance(k, yaml.ScalarNode) and k.tag != _MERGE_TAG}
        entry = _entry(path, key, line, fields, own, entry_problem)
        if entry is not None:
            entries[key] = entry
    return entries, problems


class _Merger:
    """An entry's fields with merge keys (`<<: *anchor`, `<<: [*a, *b]`) applied, memoised per node."""

    def __init__(self, problem: Callable[..., None], done: dict[int, dict[str, Any] | None]) -> None:
        self.problem = problem
        self._done = done
        self._active: set[int] = set()

    def fields(self, node: Any, depth: int = 0) -> dict[str, Any] | None:
        import yaml

        key = id(node)
        if key in self._done:
            return self._done[key]
        if key in self._active or depth > MAX_MERGE_DEPTH:
            self.problem(node.start_mark.line + 1, "merge keys nest too deeply or refer to themselves")
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
                            self.problem(source.start_mark.line + 1, "a merge key (<<) must name mappings")
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
           problem: Callable[..., None]) -> ParameterEntry | None:
    import yaml

    def scalar(name: str) -> tuple[str | None, bool]:
        """(text, ok): the source text of a scalar field; None for an absent or null one."""
        node = fields.get(name)
        if node is None or node.tag == _NULL_TAG:
            return None, True
        if not isinstance(node, yaml.ScalarNode):
            problem(node.start_mark.line + 1, f"{name} of entry {key} must be a scalar")
            return None, False
        return node.value, True

    location, ok = scalar("in")
    if not ok:
        return None
    if location is not None and location.lower() not in LOCATIONS:
        problem(fields["in"].start_mark.line + 1,
                f"entry {key} has in: {location}; expected one of {', '.join(sorted(LOCATIONS))}")
        return None
    versions: list[Version | None] = []
    for name in ("min_version", "max_version"):
        text, ok = scalar(name)
        if not ok:
            return None
        version = parse_version(text) if text is not None else None
        if text is not None and version is None:
            problem(fields[name].start_mark.line + 1,
                    f"{name} of entry {key} is {text!r}; expected a microversion such as 1.10")
            return None
        versions.append(version)
    kind, _ = scalar("type")
    return ParameterEntry(
        key, path, line, location.lower() if location else None, versions[0], versions[1],
        own["min_version"].start_mark.line + 1 if "min_version" in own else None,
        own["max_version"].start_mark.line + 1 if "max_version" in own else None,
        kind)
