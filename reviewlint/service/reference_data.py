"""The API reference as plain data: sections, parameter lists and entries, and what is wrong with them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from reviewlint.core.microversion import Version, format_version

# Where zero config looks first, under the root: `api-ref/source`, then every `*-api-ref/source`
# (`placement-api-ref/source` in nova's tree until 2018). The reference is the candidate that
# documents the most of the project's routes.
REFERENCE_DIRS = ("api-ref/source", "*-api-ref/source")
SECTION_FILE_SUFFIX = ".inc"
LOCATIONS = frozenset({"path", "query", "body", "header"})
# Subsection kinds the rules read.
REQUEST, REQUEST_EXAMPLE, RESPONSE, RESPONSE_EXAMPLE = "request", "request example", "response", "response example"
REST_METHOD = re.compile(r"^\.\.\s+rest_method::(?P<rest>.*)$")
METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"})


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
    required: bool | None = None  # `required: true/false`; None when absent or not a boolean
    required_line: int | None = None

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


def split_lines(text: str) -> list[str]:
    """The lines of `text` as editors, grep and GitHub count them: only `\n`, `\r\n` and `\r` end one."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines
