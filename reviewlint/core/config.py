"""Project root discovery and the `[reviewlint]` configuration."""

from __future__ import annotations

import configparser
import dataclasses
import fnmatch
import functools
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewlint.core.codes import check_known_codes
from reviewlint.core.errors import ReviewlintError
from reviewlint.core.guard import (DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_NESTING, DEFAULT_MAX_TOKENS, Limits,
                                   UnreadableSource, one_line, read_bytes)

ROOT_MARKERS = ("setup.cfg", "tox.ini", "pyproject.toml", ".git")

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", ".env",
    "build", "dist", "__pycache__", ".eggs", "*.egg-info", "node_modules",
    ".mypy_cache", ".pytest_cache",
)


@dataclass(frozen=True)
class Config:
    """Settings that shape what the rules see; every field has a zero-config default."""

    handlers: tuple[str, ...] = ()
    routes: str | None = None
    versions: str | None = None
    functional_tests: tuple[str, ...] = ()
    version_history: str | None = None
    service_type: str | None = None
    api_ref: str | None = None  # the API reference's source directory (RVL6xx)
    wsgify_decorators: tuple[str, ...] = ("PlacementWsgify", "wsgify")
    require_content_decorators: tuple[str, ...] = ("require_content",)
    # Calls or decorators that check policy: `context.can(...)`, `@policy.authorize(...)`.
    policy_checks: tuple[str, ...] = ("can", "authorize")
    # Decorators that validate a body against the JSON schema they are given (`@validation.schema(S)`).
    validation_decorators: tuple[str, ...] = ("schema",)
    public_handlers: tuple[str, ...] = ()
    constant_exempt: tuple[str, ...] = ()
    select: tuple[str, ...] = ("RVL",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    max_tokens: int = DEFAULT_MAX_TOKENS
    max_nesting: int = DEFAULT_MAX_NESTING
    source: str | None = None  # the file this came from, for messages

    @property
    def limits(self) -> Limits:
        """How much of one file reviewlint reads and parses."""
        return Limits(self.max_file_size, self.max_tokens, self.max_nesting)

    def replace(self, **changes: Any) -> "Config":
        """A copy with some fields changed (command-line options win over files)."""
        return dataclasses.replace(self, **changes)

    def analysis_key(self) -> str:
        """The settings that change what the rules find (not which codes are shown): a cache key."""
        shown = {"select", "ignore", "per_file_ignores", "source"}
        return repr([(f.name, getattr(self, f.name)) for f in dataclasses.fields(self) if f.name not in shown])


_LIST_KEYS = {
    "handlers", "functional-tests", "wsgify-decorators", "require-content-decorators",
    "policy-checks", "public-handlers", "constant-exempt", "select", "ignore", "exclude",
    "validation-decorators",
}
_STR_KEYS = {"routes", "versions", "version-history", "service-type", "api-ref"}
_INT_KEYS = {"max-file-size", "max-tokens", "max-nesting"}
_KNOWN_KEYS = _LIST_KEYS | _STR_KEYS | _INT_KEYS | {"per-file-ignores"}
_MODULE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\Z")
# Config files are small; this only keeps a FIFO or /dev/zero from being read.
CONFIG_FILE_LIMIT = 16 * 1024 * 1024


@functools.lru_cache(maxsize=4096)
def _resolved_directory(directory: str) -> Path:
    return Path(os.path.realpath(directory))


def resolve_path(path: Path | str) -> Path:
    """`Path(path).resolve()`, with directories memoised, that never raises.

    Every file of a large tree goes through here several times (flake8 calls
    the plugin once per file); resolving only the file's own link, if it is
    one, and reusing its directory's resolution keeps that to one `lstat`.
    `os.path.realpath` leaves a symlink loop unresolved where
    `Path.resolve()` raises RuntimeError (3.10, 3.11).
    """
    return _resolved(os.path.abspath(path))


@functools.lru_cache(maxsize=16384)
def _resolved(absolute: str) -> Path:
    if os.path.islink(absolute):
        return Path(os.path.realpath(absolute))
    head, tail = os.path.split(absolute)
    return _resolved_directory(head) / tail if tail else _resolved_directory(head)


def find_root(start: Path) -> Path:
    """The nearest ancestor of `start` (a file or directory) holding a root marker.

    Without one, the directory above the outermost package among its
    ancestors, so that an unpacked wheel works as well as a checkout.
    """
    absolute = Path(os.path.abspath(start))
    # A file's own link is not followed: a link to /dev/zero lives in this tree.
    return _root_of(resolve_path(absolute if absolute.is_dir() else absolute.parent))


@functools.lru_cache(maxsize=1024)
def _root_of(directory: Path) -> Path:
    for candidate in (directory, *directory.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    # No marker (an unpacked wheel): the directory above the outermost package
    # among the ancestors, so that a plain directory inside a package (an
    # alembic `versions/`) belongs to the same project as the package.
    outermost = None
    for candidate in (directory, *directory.parents):
        if (candidate / "__init__.py").exists():
            outermost = candidate
    return outermost.parent if outermost is not None else directory


def split_list(value: str) -> tuple[str, ...]:
    """Split a comma- or newline-separated config value, flake8 style."""
    items = value.replace("\n", ",").split(",")
    return tuple(item.strip() for item in items if item.strip())


def shown(value: Any) -> str:
    """A config value as messages quote it: its repr, on one line and short."""
    return one_line(repr(value), 80)


def _parse_per_file_ignores(value: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """flake8's `per-file-ignores`, parsed by flake8's own parser.

    `PATTERN [PATTERN ...]: CODE[,CODE ...]`, several per line or over
    several lines; in TOML also a table of pattern to code list. A pattern
    with a `/` is a path relative to the working directory, as flake8 takes it.
    """
    from flake8.exceptions import Flake8Exception
    from flake8.utils import normalize_path, parse_files_to_codes_mapping

    if isinstance(value, dict):
        lines = []
        for pattern, codes in value.items():
            if isinstance(codes, list) and all(isinstance(code, str) for code in codes):
                codes = ",".join(codes)
            elif not isinstance(codes, str):
                raise ReviewlintError(f"{where}: per-file-ignores: {shown(pattern)}: expected codes as a string "
                                      f"or a list of strings, got {shown(codes)}")
            lines.append(f"{pattern}: {codes}")
        value = "\n".join(lines)
    if not isinstance(value, str):
        raise ReviewlintError(f"{where}: per-file-ignores: expected 'PATTERN ...: CODES' lines, got {shown(value)}")
    try:
        mapping = parse_files_to_codes_mapping(value)
    except (Flake8Exception, ValueError):
        raise ReviewlintError(f"{where}: per-file-ignores: cannot parse {shown(' '.join(value.split()))}: expected "
                              f"'PATTERN [PATTERN ...]: CODE[,CODE ...]' as in flake8") from None
    pairs = tuple((normalize_path(pattern), tuple(codes)) for pattern, codes in mapping)
    for _, codes in pairs:
        _check_codes(codes, where, "per-file-ignores")
    return pairs


def _check_codes(codes: tuple[str, ...], where: str, key: str) -> None:
    for code in codes:
        if not (code.isalnum() and code[:1].isalpha()):
            raise ReviewlintError(f"{where}: {key}: {shown(code)} is not a code prefix such as RVL1 or RVL101")
    check_known_codes(codes, f"{where}: {key}")


def parse_section(values: dict[str, Any], where: str) -> dict[str, Any]:
    """Validate a raw `[reviewlint]` mapping into Config field values."""
    fields: dict[str, Any] = {}
    for raw_key, value in values.items():
        key = raw_key.strip().replace("_", "-")
        if key not in _KNOWN_KEYS:
            raise ReviewlintError(f"{where}: unknown key {shown(raw_key)} in [reviewlint]")
        name = key.replace("-", "_")
        if key in _LIST_KEYS:
            if isinstance(value, str):
                items = split_list(value)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                items = tuple(v.strip() for v in value)
            else:
                raise ReviewlintError(f"{where}: {key}: expected a list of strings, got {shown(value)}")
            if key in ("select", "ignore"):
                _check_codes(items, where, key)
            fields[name] = items
        elif key in _STR_KEYS:
            if not isinstance(value, str) or not value.strip():
                raise ReviewlintError(f"{where}: {key}: expected a non-empty string, got {shown(value)}")
            value = value.strip()
            names_a_module = value.endswith(".py") or "/" in value or _MODULE_NAME.match(value)
            if key in ("routes", "versions") and not names_a_module:
                raise ReviewlintError(f"{where}: {key}: expected a dotted module name or a path to a .py file, "
                                      f"got {shown(value)}")
            fields[name] = value
        elif key in _INT_KEYS:
            fields[name] = _positive_number(value, where, key)
        else:
            fields[name] = _parse_per_file_ignores(value, where)
    return fields


def _positive_number(value: Any, where: str, key: str) -> int:
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.isdigit() and len(text) <= 15:
        text = int(text)
    if isinstance(text, int) and not isinstance(text, bool) and 0 < text < 10**15:
        return text
    raise ReviewlintError(f"{where}: {key}: expected a positive whole number, got {shown(value)}")


def _read_config_text(path: Path) -> str:
    try:
        return read_bytes(path, CONFIG_FILE_LIMIT).decode("utf-8")
    except UnreadableSource as exc:
        raise ReviewlintError(f"{path}: cannot read config: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ReviewlintError(f"{path}: cannot read config: not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _read_ini(path: Path) -> dict[str, Any] | None:
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(_read_config_text(path), source=str(path))
    except configparser.Error as exc:
        raise ReviewlintError(f"{path}: cannot read config: {one_line(str(exc).splitlines()[0])}") from None
    if not parser.has_section("reviewlint"):
        return None
    return dict(parser.items("reviewlint"))


def _read_toml(path: Path) -> dict[str, Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found]
    text = _read_config_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReviewlintError(f"{path}: cannot read config: {one_line(str(exc))}") from None
    except RecursionError:
        raise ReviewlintError(f"{path}: cannot read config: nested too deeply") from None
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ReviewlintError(f"{path}: tool: expected a table, got {shown(tool)}")
    section = tool.get("reviewlint")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ReviewlintError(f"{path}: tool.reviewlint: expected a table, got {shown(section)}")
    return section


def read_config_file(path: Path) -> Config:
    """Read `[reviewlint]` (or `[tool.reviewlint]`) from one file; an empty Config if absent."""
    if not path.exists():
        raise ReviewlintError(f"{path}: config file not found")
    raw = _read_toml(path) if path.suffix == ".toml" else _read_ini(path)
    if raw is None:
        return Config(source=str(path))
    return Config(source=str(path), **parse_section(raw, str(path)))


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """The configuration for a project: `explicit` if given, else the first root file with a section."""
    if explicit is not None:
        return _confined(read_config_file(explicit), root)
    for name in ("setup.cfg", "tox.ini", "pyproject.toml"):
        path = root / name
        if path.is_file():
            config = read_config_file(path)
            if config.source and config != Config(source=str(path)):
                return _confined(config, root)
    return Config()


def _confined(config: Config, root: Path) -> Config:
    """Refuse paths that lead out of the project root: reviewlint reads only the project's files."""
    if config.api_ref:
        directory = root / config.api_ref
        if "\0" in config.api_ref:
            raise ReviewlintError(f"{config.source}: api-ref: {shown(config.api_ref)} has a NUL byte")
        if not _inside(directory, root):
            raise ReviewlintError(f"{config.source}: api-ref: {shown(config.api_ref)} is outside the project root "
                                  f"{root}: the API reference must be part of the project")
    return config


def _inside(path: Path, root: Path) -> bool:
    here, top = resolve_path(path), resolve_path(root)
    return here == top or top in here.parents


def relative_to_root(path: Path, root: Path) -> str:
    """`path` relative to `root` with forward slashes, or absolute when outside it."""
    try:
        return resolve_path(path).relative_to(root).as_posix()
    except ValueError:
        return os.path.abspath(path)


# Names exempt from documentation whatever their module.
EXEMPT_NAMES = frozenset({"LOG", "LOGGER"})


def is_exempt_name(config: Config, module: str, name: str) -> bool:
    """`is_exempt` for the module named `module` under `config`."""
    if name in EXEMPT_NAMES or name.startswith("_"):
        return True
    qualified = f"{module}.{name}"
    return any(
        fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(qualified, pattern)
        or fnmatch.fnmatchcase(qualified, "*." + pattern)
        for pattern in config.constant_exempt
    )
