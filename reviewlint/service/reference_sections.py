"""The `.inc` files' reStructuredText, read line by line into route sections (linear in each line)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from reviewlint.core.microversion import parse_version
from reviewlint.service.reference_data import (ListedParameter, METHODS, ParameterList, Part, REST_METHOD,
                                               ReferenceProblem, RouteSection, Span, malformed_problem, split_lines)

MAX_TITLE = 500  # longer lines are never read as titles with a version range
_ADORNMENT = re.compile(r"^([=\-~^\"'`#*+_.:<>])\1{2,}\s*$")
_REST_PARAMETERS = re.compile(r"^\.\.\s+rest_parameters::(?P<rest>.*)$")
_NOQA = re.compile(r"^\.\.\s+noqa(?:\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:[,\s]+[A-Za-z]+[0-9]+)*))?\s*$", re.I)
_RANGE = re.compile(r"\(\s*(?:microversions?\s+)?(?P<low>\d+\.\d+)\s*[-\u2013]\s*(?P<high>\d+\.\d+)?\s*\)\s*$", re.I)
_KIND = re.compile(r"^(?P<what>request|response)(?P<example>\s+examples?)?\b", re.I)


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


class SectionReader:
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
            method = REST_METHOD.match(line)
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
        if len(words) != 2 or words[0].upper() not in METHODS:
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
