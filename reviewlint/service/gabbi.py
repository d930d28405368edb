"""The service's functional tests: gabbi YAML files, read as plain data.

Each test becomes a TestRequest: the method, the path segments and the
microversion it asks for (RULES.md, "functional test request"), and what
it sends and checks: its query parameter names (URL and
`query_parameters`), its body's keys at every depth (`data:`, inline or
from a `<@file`) and the response fields its `response_json_paths` name.
Those are read from the composed YAML nodes, never built. The files
are read with PyYAML's safe loader (the C one when libyaml is there); a file
that does not parse becomes a YamlProblem (RVL901) and the others still
count.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from reviewlint.core.config import resolve_path
from reviewlint.core.guard import DEFAULT_LIMITS, Limits, UnreadableSource, check_yaml_nodes
from reviewlint.model.project import TEST_PACKAGES, YAML_SUFFIXES
from reviewlint.core.microversion import Version, parse_version

if TYPE_CHECKING:
    from reviewlint.model.project import Project

METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"})
VERSION_HEADER = "openstack-api-version"
TESTS_DIRECTORY = "gabbits"

# A gabbi substitution: `$NAME`, `$NAME['key']` (brackets may nest inside
# quotes: `$RESPONSE['$.links[?rel = "self"].href']`), and the `$HISTORY['t'].`
# prefix that applies one to an earlier test.
# An unquoted argument stops at the next `$`, so that `$A[$A[$A[...` is
# matched in linear time rather than rescanned to the end at each `$`.
_SUBSTITUTION = re.compile(
    r"""\$(?:HISTORY\[(?:'[^']*'|"[^"]*")\]\.\$)?[A-Z_]+(?:\[(?:'[^']*'|"[^"]*"|[^\]$]*)\])?""")
_HISTORY_REF = re.compile(r"""\$HISTORY\[(?:'([^']*)'|"([^"]*)")\]\.\$(URL|LOCATION)\b""")
_ABSOLUTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*|\x00)://[^/]*")
_PLACEHOLDER = "\x00"  # stands for one substitution while the URL is cut up


@dataclass(frozen=True)
class TestRequest:
    """One functional test: what it asks of the API."""

    __test__ = False  # not a pytest class

    path: Path  # the YAML file
    name: str
    method: str
    url: str  # as written, with $LAST_URL and $HISTORY[...].$URL expanded
    segments: tuple[str | None, ...]  # path segments; None where a substitution sits
    version: Version | None  # None: a version header the service would refuse
    query: frozenset[str] = frozenset()  # query parameter names (URL and `query_parameters`)
    body_keys: frozenset[str] = frozenset()  # the body's keys at every depth (inline `data:` or `<@file`)
    asserted: frozenset[str] = frozenset()  # response field names its `response_json_paths` name


@dataclass(frozen=True)
class YamlProblem:
    """A test file that is not a well-formed gabbi file (RVL901)."""

    path: Path
    line: int
    col: int
    reason: str


@dataclass(frozen=True)
class FunctionalTests:
    """Every counted test request of the project, and what could not be read."""

    files: tuple[Path, ...]
    requests: tuple[TestRequest, ...]
    left_out: int  # tests whose URL is wholly unknown ($LOCATION) or missing
    skipped: int
    problems: tuple[YamlProblem, ...]

    @cached_property
    def _by_file(self) -> dict[Path, tuple[TestRequest, ...]]:
        found: dict[Path, list[TestRequest]] = {}
        for request in self.requests:
            found.setdefault(request.path, []).append(request)
        return {path: tuple(requests) for path, requests in found.items()}

    def requests_in(self, path: Path) -> tuple[TestRequest, ...]:
        """The requests of one test file (`path` resolved), grouped once: every file of a run asks."""
        return self._by_file.get(path, ())

    def problems_in(self, path: Path) -> list[YamlProblem]:
        """The problems of one file."""
        resolved = resolve_path(path)
        return [p for p in self.problems if p.path == resolved]


@dataclass(frozen=True)
class VersionContext:
    """What a version header means: the service's name, minimum and latest."""

    service_type: str
    minimum: Version | None
    latest: Version | None

    def version(self, headers: dict[str, Any]) -> Version | None:
        """The microversion a request with these (lower-cased) headers asks for."""
        value = headers.get(VERSION_HEADER)
        if value is None:
            return self.minimum
        for entry in str(value).split(","):
            service, _, version = entry.strip().partition(" ")
            if service.lower() == self.service_type.lower():
                version = version.strip()
                if version.lower() == "latest":
                    return self.latest
                return parse_version(version)
        return self.minimum  # the header names other services only


def _loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _headers(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    return {str(k).lower(): v for k, v in value.items()}


def path_segments(url: str) -> tuple[str | None, ...] | None:
    """The path segments of a test URL; None when its start is an unknown substitution.

    Query strings and fragments are dropped; a segment holding a substitution
    becomes None (it matches any route segment).
    """
    marked = _SUBSTITUTION.sub(_PLACEHOLDER, url.strip())
    marked = marked.split("?", 1)[0].split("#", 1)[0]
    absolute = _ABSOLUTE.match(marked)
    if absolute:
        marked = marked[absolute.end():] or "/"
    if marked.startswith(_PLACEHOLDER):
        return None  # $LOCATION, $RESPONSE[...]: a whole URL the reader cannot know
    if not marked.startswith("/") and marked:
        marked = "/" + marked
    return tuple(None if _PLACEHOLDER in s else s for s in marked.split("/"))


class _Malformed(Exception):
    """Part of a test file that cannot be read as gabbi data."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


# Errors PyYAML's safe constructor raises on values it cannot build
# (`!!int abc`, a timestamp `2020-13-45`, a 5,000-digit integer, `!!python/...`).
_CONSTRUCTION_ERRORS = (ValueError, TypeError, OverflowError, ArithmeticError, RecursionError)
# How much a test URL may grow by `$LAST_URL`/`$HISTORY[...]` expansion: each
# test can double the previous one's.
MAX_URL_LENGTH = 65536


def read_test_file(path: Path, text: str, context: VersionContext, limits: Limits = DEFAULT_LIMITS,
                   data_file: Callable[[str], str | None] | None = None
                   ) -> tuple[list[TestRequest], int, int, list[YamlProblem]]:
    """(requests, left out, skipped, problems) of one gabbi file.

    Whatever the file holds, it ends as data or as problems (RVL901): YAML
    errors, values the safe constructor refuses, alias bombs, documents
    that nest too deeply or contain themselves. `data_file` gives the text
    of a `data: <@name` file (None: unknown, its keys stay unknown).
    """
    import yaml

    try:
        data = _read(text, limits)
    except _Malformed as exc:
        return [], 0, 0, [YamlProblem(path, exc.line, 0, exc.reason)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, col = (mark.line + 1, mark.column) if mark is not None else (1, 0)
        last_line = max(1, len(text.splitlines()))
        if line > last_line:  # the parser noticed at the end of the stream, past the last line
            line, col = last_line, 0
        reason = " ".join(str(getattr(exc, "problem", None) or exc).split())
        return [], 0, 0, [YamlProblem(path, line, col, f"YAML error: {reason}")]
    except RecursionError:
        return [], 0, 0, [YamlProblem(path, 1, 0, "YAML error: nested too deeply to analyse")]
    defaults = data.get("defaults") or {}
    requests: list[TestRequest] = []
    problems: list[YamlProblem] = []
    seen: dict[str, _Seen] = {}
    last: _Seen | None = None
    left_out = skipped = 0
    for index, (line, test) in enumerate(data.get("tests") or ()):
        if test is None:
            problems.append(YamlProblem(path, line, 0, f"test #{index + 1} is not a mapping"))
            continue
        try:
            name = str(test.get("name", f"#{index + 1}"))
            method, url = _method_and_url(test, defaults)
            if url is not None:
                url = _expand(url, last, seen)
            location = _location(test)
            if location is not None:
                location = _expand(location, last, seen)
            elif url is not None and method == "POST" and str(test.get("status", defaults.get("status"))) == "201":
                location = _created_at(url)
            last = seen[name] = _Seen(url, location)
            if test.get("skip", defaults.get("skip")):
                skipped += 1
                continue
            segments = path_segments(url) if url is not None else None
            if segments is None:
                left_out += 1
                continue
            headers = {**_headers(defaults.get("request_headers")), **_headers(test.get("request_headers"))}
            version = context.version(headers)
            query = _query_names(url or "") | _node_keys(_option(test, defaults, "query_parameters"), 1)
            body_keys = _body_keys(_option(test, defaults, "data"), data_file)
            asserted = _asserted(_option(test, defaults, "response_json_paths"))
        except _Malformed as exc:
            problems.append(YamlProblem(path, line, 0, f"test #{index + 1}: {exc.reason}"))
            last = None
            continue
        except _CONSTRUCTION_ERRORS as exc:
            problems.append(YamlProblem(path, line, 0, f"test #{index + 1}: cannot read it: {_error_text(exc)}"))
            last = None
            continue
        requests.append(TestRequest(path, name, method, url or "", segments, version, query, body_keys, asserted))
    return requests, left_out, skipped, problems


def _error_text(exc: BaseException) -> str:
    from reviewlint.core.guard import describe_error

    return describe_error(exc)


# The only keys of a test (or of `defaults`) the reader builds: the bodies
# and the response checks, most of a gabbi file, are never built.
_WANTED = frozenset({"name", "skip", "url", "method", "status", "request_headers", "response_headers", *METHODS})
# Keys whose names (not values) the reader needs: kept as YAML nodes and only walked.
_WALKED = frozenset({"data", "query_parameters", "response_json_paths"})


def _read(text: str, limits: Limits) -> dict[str, Any]:
    """The parts of a gabbi file the reader needs; _Malformed (or a YAMLError) when it is not one.

    The C loader composes the node tree, which is checked for alias bombs
    and depth (`check_yaml_nodes`); only the wanted values are then
    constructed, by PyYAML's safe constructor.
    """
    import yaml
    from yaml.constructor import SafeConstructor

    root = yaml.compose(text, Loader=_loader())
    if root is None:
        return {}
    try:
        check_yaml_nodes(root, limits)
    except UnreadableSource as exc:
        raise _Malformed(exc.line, f"YAML error: {exc}") from None
    constructor = SafeConstructor()
    if not isinstance(root, yaml.MappingNode):
        raise _Malformed(root.start_mark.line + 1, "not a gabbi file: expected a mapping with a 'tests' list")
    top = _pairs(constructor, root)
    data: dict[str, Any] = {}
    defaults = top.get("defaults")
    if defaults is not None and not _is_null(defaults):
        if not isinstance(defaults, yaml.MappingNode):
            raise _Malformed(defaults.start_mark.line + 1, "'defaults' must be a mapping")
        data["defaults"] = _wanted(constructor, defaults)
    tests = top.get("tests")
    if tests is not None and not _is_null(tests):
        if not isinstance(tests, yaml.SequenceNode):
            raise _Malformed(tests.start_mark.line + 1, "not a gabbi file: expected a mapping with a 'tests' list")
        data["tests"] = [(item.start_mark.line + 1,
                          _wanted(constructor, item) if isinstance(item, yaml.MappingNode) else None)
                         for item in tests.value]
    return data


def _is_null(node: Any) -> bool:
    return bool(node.tag == "tag:yaml.org,2002:null")


def _pairs(constructor: Any, node: Any) -> dict[str, Any]:
    """A mapping node's string keys and value nodes (merge keys `<<` applied)."""
    import yaml

    try:
        constructor.flatten_mapping(node)
    except yaml.YAMLError as exc:
        raise _Malformed(node.start_mark.line + 1, f"cannot read a mapping: {' '.join(str(exc).split())}") from None
    pairs = {}
    for key_node, value_node in node.value:
        key = _construct(constructor, key_node, "a key") if key_node.id == "scalar" else None
        if isinstance(key, str):
            pairs[key] = value_node
    return pairs


def _wanted(constructor: Any, node: Any) -> dict[str, Any]:
    wanted: dict[str, Any] = {}
    for key, value in _pairs(constructor, node).items():
        if key in _WANTED:
            wanted[key] = _construct(constructor, value, repr(key))
        elif key in _WALKED:
            wanted[key] = _Nodes(value)
    return wanted


@dataclass(frozen=True)
class _Nodes:
    """A part of a test kept as its composed YAML node (already vetted by `check_yaml_nodes`)."""

    node: Any


def _option(test: dict[str, Any], defaults: dict[str, Any], key: str) -> Any:
    """The YAML node of a walked key of the test, else of `defaults`; None without one."""
    found = test.get(key, defaults.get(key))
    return found.node if isinstance(found, _Nodes) else None


# A query parameter name in a URL's query string (substitutions already replaced).
_QUERY_NAME = re.compile(r"(?:^|&)([^=&#]+)")


def _query_names(url: str) -> frozenset[str]:
    """The parameter names of a test URL's query string (`?resources=VCPU:1&limit=2`)."""
    from urllib.parse import unquote_plus

    marked = _SUBSTITUTION.sub(_PLACEHOLDER, url)
    if "?" not in marked:
        return frozenset()
    query = marked.split("?", 1)[1].split("#", 1)[0]
    names = (unquote_plus(found.group(1)).strip() for found in _QUERY_NAME.finditer(query))
    return frozenset(name for name in names if name and _PLACEHOLDER not in name)


def _node_keys(root: Any, depth: int | None = None) -> frozenset[str]:
    """The scalar keys of the mappings under a YAML node, at every depth (or the first `depth` levels).

    Keys holding a substitution (`$ENVIRON['RP_UUID']`) name nothing known and
    are left out; each node is visited once, so aliases cost nothing.
    """
    if root is None:
        return frozenset()
    keys: set[str] = set()
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        node, level = stack.pop()
        if id(node) in seen or node.id == "scalar" or (depth is not None and level >= depth):
            continue
        seen.add(id(node))
        if node.id == "sequence":
            stack.extend((item, level) for item in node.value)
            continue
        for key, value in node.value:
            if key.id == "scalar":
                if key.value == "<<" and key.tag == "tag:yaml.org,2002:merge":
                    stack.append((value, level))  # a merge key: its mapping's keys are this one's
                    continue
                if "$" not in key.value:
                    keys.add(key.value)
            stack.append((value, level + 1))
    return frozenset(keys)


def _body_keys(node: Any, data_file: Callable[[str], str | None] | None) -> frozenset[str]:
    """The keys of a test's body at every depth: inline `data:`, or the JSON of a `data: <@file`."""
    if node is None:
        return frozenset()
    if node.id != "scalar":
        return _node_keys(node)
    text = str(node.value)
    if not text.startswith("<@") or data_file is None:
        return frozenset()  # a string body, or a substitution ($RESPONSE[...]): no keys known
    content = data_file(text[2:].strip())
    return _json_keys(content) if content is not None else frozenset()


def _json_keys(text: str) -> frozenset[str]:
    """The object keys of a JSON document at every depth; none when it is not JSON."""
    import json

    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return frozenset()
    keys: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            keys.update(key for key in item if "$" not in key)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return frozenset(keys)


# A name in a JSONPath: `name`, `.name`, `..name`, `['name']`, `["name"]`, and a name a filter compares
# (`[?rel = "self"]`, `[?(@.uuid == "x")]`); a quoted string not followed by a bracket or a dot
# inside a filter is a value, not a name.
_PATH_NAME = re.compile(r"""^\s*([A-Za-z_][\w-]*)"""  # a path that starts with a name: `name` is `$.name`
                        r"""|\.\.?([A-Za-z_][\w-]*)"""  # .name, ..name
                        r"""|\[\s*(?:'([^'$]*)'|"([^"$]*)")\s*\]"""  # ['name'], ["name"]
                        r"""|[?@]\.?\s*\(?\s*@?\.?([A-Za-z_]\w*)""")  # [?name = ...], [?(@.name ...)]


def _asserted(node: Any) -> frozenset[str]:
    """The response fields a test's `response_json_paths` name: in the paths and in the expected objects."""
    if node is None or node.id != "mapping":
        return frozenset()
    names: set[str] = set()
    for key, value in node.value:
        if key.id == "scalar":
            path = _SUBSTITUTION.sub(_PLACEHOLDER, str(key.value)[:MAX_URL_LENGTH])
            for found in _PATH_NAME.finditer(path):
                name = next((g for g in found.groups() if g), None)
                if name and _PLACEHOLDER not in name:
                    names.add(name)
        names |= _node_keys(value)
    return frozenset(names)


def _construct(constructor: Any, node: Any, what: str) -> Any:
    """The Python value of a node, or _Malformed naming it (unknown tags, invalid values)."""
    import yaml

    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        reason = " ".join(str(getattr(exc, "problem", None) or exc).split())
    except _CONSTRUCTION_ERRORS as exc:
        reason = _error_text(exc)
    raise _Malformed(node.start_mark.line + 1, f"cannot read {what}: {reason}")


def _method_and_url(test: dict[str, Any], defaults: dict[str, Any]) -> tuple[str, str | None]:
    for key, value in test.items():
        if isinstance(key, str) and key in METHODS:
            return key, None if value is None else str(value)
    url = test.get("url", defaults.get("url"))
    method = test.get("method", defaults.get("method", "GET"))
    return str(method).upper(), None if url is None else str(url)


@dataclass(frozen=True)
class _Seen:
    """What later tests may refer to: a test's URL and the Location it asserts."""

    url: str | None
    location: str | None


def _expand(url: str, last: _Seen | None, seen: dict[str, _Seen]) -> str | None:
    """Replace `$LAST_URL`, `$LOCATION` and their `$HISTORY['name'].` forms.

    `$LOCATION` is known when the test it refers to asserts a literal
    `location` response header (not a /regex/), or answers a POST with
    201 (see `_created_at`). None when what a substitution names is unknown.
    """
    limit = len(url) + MAX_URL_LENGTH
    if "$HISTORY" in url:
        pieces: list[str] = []
        length = start = 0
        for match in _HISTORY_REF.finditer(url):
            test = seen.get(match.group(1) if match.group(1) is not None else match.group(2))
            value = None if test is None else (test.url if match.group(3) == "URL" else test.location)
            if value is None:
                return None
            pieces += (url[start:match.start()], value)
            length += match.start() - start + len(value)
            start = match.end()
            if length > limit:
                raise _Malformed(0, f"its URL grows by more than {MAX_URL_LENGTH} characters when expanded")
        url = "".join(pieces) + url[start:]
    for name, value in (("$LAST_URL", last.url if last else None),
                        ("$LOCATION", last.location if last else None)):
        if name in url:
            if value is None:
                return None
            if len(url) + url.count(name) * (len(value) - len(name)) > limit:
                raise _Malformed(0, f"its URL grows by more than {MAX_URL_LENGTH} characters when expanded")
            url = url.replace(name, value)
    return url


def _location(test: dict[str, Any]) -> str | None:
    value = _headers(test.get("response_headers")).get("location")
    if not isinstance(value, str) or (len(value) > 1 and value.startswith("/") and value.endswith("/")):
        return None  # absent, or a /regex/ that only constrains it
    return value


def _created_at(url: str) -> str:
    """Where a `201 Created` answer to `POST url` points: one unknown segment below the collection.

    Placement's creating POSTs answer `Location: <collection>/<new id>`
    (`/resource_providers/{uuid}`, `.../inventories/{resource_class}`), so
    a later `$LOCATION` reaches the item route even when the test asserts
    no literal location; which item it is, nobody can know statically.
    """
    return url.split("?", 1)[0].split("#", 1)[0].rstrip("/") + "/$CREATED"


def test_files(project: "Project") -> list[Path]:
    """YAML files under a `gabbits/` directory of a test package, or those the `functional-tests` key names.

    A `gabbits/` directory elsewhere (an sdist's `gate/gabbits/`: load
    fixtures another job runs) holds no functional tests by default.
    """
    configured = project.config.functional_tests
    found = []
    for path in project.files:
        if path.suffix not in YAML_SUFFIXES:
            continue
        relative = path.relative_to(project.root)
        if configured:
            if _configured(relative.as_posix(), configured):
                found.append(path)
        elif is_default_test_path(relative.parts):
            found.append(path)
    return found


def is_default_test_path(parts: tuple[str, ...]) -> bool:
    """A root-relative path under a `gabbits/` directory inside a test package (`tests`, `functional`...)."""
    if TESTS_DIRECTORY not in parts[:-1]:
        return False
    return not TEST_PACKAGES.isdisjoint(parts[:parts.index(TESTS_DIRECTORY)])


def uncounted_test_files(project: "Project") -> list[Path]:
    """YAML files under some `gabbits/` directory that are not functional tests (for --show-project)."""
    counted = set(test_files(project))
    return [path for path in project.files if path.suffix in YAML_SUFFIXES and path not in counted
            and TESTS_DIRECTORY in path.relative_to(project.root).parts[:-1]]


def _configured(relative: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        pattern = pattern.strip().rstrip("/")
        if fnmatch.fnmatch(relative, pattern) or relative.startswith(pattern + "/"):
            return True
    return False


def _test_paths(project: "Project") -> frozenset[Path]:
    return frozenset(resolve_path(f) for f in test_files(project))


def is_test_file(project: "Project", path: Path) -> bool:
    """True when `path` is one of the project's functional test files."""
    return resolve_path(path) in project.analysis(_test_paths)


_FileResult = tuple[list[TestRequest], int, int, list[YamlProblem]]


def _encode_file(result: _FileResult) -> Any:
    requests, left_out, skipped, problems = result
    path = str(requests[0].path) if requests else None
    return [path, [[r.name, r.method, r.url, list(r.segments), list(r.version) if r.version else None,
                    sorted(r.query), sorted(r.body_keys), sorted(r.asserted)]
                   for r in requests], left_out, skipped, [[str(p.path), p.line, p.col, p.reason] for p in problems]]


def _decode_file(data: Any) -> _FileResult:
    path, requests, left_out, skipped, problems = data
    where = Path(path) if path is not None else None
    return ([TestRequest(where, str(name), str(method), str(url), tuple(segments),  # type: ignore[arg-type]
                         (int(version[0]), int(version[1])) if version else None,
                         frozenset(map(str, query)), frozenset(map(str, body_keys)), frozenset(map(str, asserted)))
             for name, method, url, segments, version, query, body_keys, asserted in requests],
            int(left_out), int(skipped), [YamlProblem(Path(path), int(line), int(col), str(reason))
                                          for path, line, col, reason in problems])


def _read_file(project: "Project", path: Path, context: VersionContext) -> _FileResult:
    from reviewlint.model.project import Codec

    def compute() -> _FileResult:
        try:
            text = project.source(path)
        except UnreadableSource as exc:
            return [], 0, 0, [YamlProblem(path, exc.line, 0, str(exc))]
        return read_test_file(path, text, context, project.config.limits, lambda name: _data_file(project, path, name))

    return project.memo(_file_key(path, context), compute, Codec(_encode_file, _decode_file))


def _file_key(path: Path, context: VersionContext) -> str:
    return f"tests:{path}:{context.service_type}:{context.minimum}:{context.latest}"


def _data_file(project: "Project", test_file: Path, name: str) -> str | None:
    """The text of a `data: <@name` file: beside the test file (as gabbi finds it), inside the project only."""
    if not name or _PLACEHOLDER in name or "$" in name or "\x00" in name:
        return None
    try:
        target = resolve_path(test_file.parent / name)
        target.relative_to(resolve_path(project.root))
    except (ValueError, OSError, RuntimeError):
        return None  # outside the project (`<@../../etc/passwd`), or not a path at all
    try:
        return project.source(target)
    except UnreadableSource:
        return None


def _context(project: "Project") -> VersionContext:
    from reviewlint.service.versions import DEFAULT_SERVICE_TYPE, service_versions

    versions = service_versions(project)
    if versions is not None:
        return VersionContext(versions.service_type, versions.minimum, versions.latest)
    return VersionContext(project.config.service_type or DEFAULT_SERVICE_TYPE, None, None)


def _build(project: "Project") -> FunctionalTests:
    context = _context(project)
    files = tuple(resolve_path(path) for path in test_files(project))
    requests: list[TestRequest] = []
    problems: list[YamlProblem] = []
    left_out = skipped = 0
    for path in files:
        found, left, skip, trouble = _read_file(project, path, context)
        requests.extend(found)
        left_out += left
        skipped += skip
        problems.extend(trouble)
    return FunctionalTests(files, tuple(requests), left_out, skipped, tuple(problems))


def refresh_functional_tests(project: "Project") -> None:
    """Read again each test file whose cached requests no longer hold, decoding none of those that do.

    What a cached result built on the functional tests reads first: when
    every file's requests are as they were, it stands, and an editor's save
    of a handler decodes no test (every file's, some 7 ms on placement).
    Once a run: an entry read again holds for the rest of it.
    """
    project.analysis(_refresh)


def _refresh(project: "Project") -> bool:
    context = _context(project)
    for path in test_files(project):
        path = resolve_path(path)
        if not project.holds(_file_key(path, context)):
            _read_file(project, path, context)
    return True


def functional_tests(project: "Project") -> FunctionalTests:
    """The project's functional test requests, read once per run (each file cached on its own)."""
    return project.memo("functional_tests", lambda: _build(project))
