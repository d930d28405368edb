"""`parameters.yaml`, composed (never constructed) into parameter entries with the line of each."""

from __future__ import annotations

import bisect
import re
from pathlib import Path
from typing import Any, Callable

from reviewlint.core.guard import DEFAULT_MAX_FILE_SIZE, too_large
from reviewlint.core.microversion import Version, parse_version
from reviewlint.service.reference_data import (LOCATIONS, ParameterEntry, ReferenceProblem, malformed_problem,
                                               split_lines, unreadable_problem)

MAX_MERGE_DEPTH = 16
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"


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
    node = fields.get("required")  # read for RVL605 only: anything but true/false is not known, not an error
    flag = {"true": True, "false": False}.get(node.value.lower()) if isinstance(node, yaml.ScalarNode) else None
    return ParameterEntry(
        key, path, line, location.lower() if location else None, versions[0], versions[1],
        line_of(own["min_version"].start_mark) if "min_version" in own else None,
        line_of(own["max_version"].start_mark) if "max_version" in own else None,
        kind, flag, line_of(own["required"].start_mark) if "required" in own else None)
