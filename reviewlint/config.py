"""Project root discovery and the `[reviewlint]` configuration."""

from __future__ import annotations

import configparser
import dataclasses
import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewlint.findings import ReviewlintError

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
    source: str | None = None  # the file this came from, for messages

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
_KNOWN_KEYS = _LIST_KEYS | _STR_KEYS | {"per-file-ignores"}


@functools.lru_cache(maxsize=4096)
def _resolved_directory(directory: str) -> Path:
    return Path(directory).resolve()


def resolve_path(path: Path | str) -> Path:
    """`Path(path).resolve()`, with directories memoised.

    Every file of a large tree goes through here several times (flake8 calls
    the plugin once per file); resolving only the file's own link, if it is
    one, and reusing its directory's resolution keeps that to one `lstat`.
    """
    return _resolved(os.path.abspath(path))


@functools.lru_cache(maxsize=16384)
def _resolved(absolute: str) -> Path:
    if os.path.islink(absolute):
        return Path(absolute).resolve()
    head, tail = os.path.split(absolute)
    return _resolved_directory(head) / tail if tail else _resolved_directory(head)


def find_root(start: Path) -> Path:
    """The nearest ancestor of `start` (a file or directory) holding a root marker.

    Without one, the directory above the outermost package among its
    ancestors, so that an unpacked wheel works as well as a checkout.
    """
    start = resolve_path(start)
    return _root_of(start if start.is_dir() else start.parent)


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


def _parse_per_file_ignores(value: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """flake8's `per-file-ignores`, parsed by flake8's own parser.

    `PATTERN [PATTERN ...]: CODE[,CODE ...]`, several per line or over
    several lines; in TOML also a table of pattern to code list. A pattern
    with a `/` is a path relative to the working directory, as flake8 takes it.
    """
    from flake8.exceptions import Flake8Exception
    from flake8.utils import normalize_path, parse_files_to_codes_mapping

    if isinstance(value, dict):
        if not all(isinstance(k, str) and isinstance(v, (str, list)) and all(isinstance(c, str) for c in v)
                   for k, v in value.items()):
            raise ReviewlintError(f"{where}: per-file-ignores: expected a table of pattern = [codes], got {value!r}")
        value = "\n".join(f"{k}: {v if isinstance(v, str) else ','.join(v)}" for k, v in value.items())
    if not isinstance(value, str):
        raise ReviewlintError(f"{where}: per-file-ignores: expected 'PATTERN ...: CODES' lines, got {value!r}")
    try:
        mapping = parse_files_to_codes_mapping(value)
    except (Flake8Exception, ValueError):
        shown = " ".join(value.split())
        raise ReviewlintError(f"{where}: per-file-ignores: cannot parse {shown!r}: expected "
                              f"'PATTERN [PATTERN ...]: CODE[,CODE ...]' as in flake8") from None
    return tuple((normalize_path(pattern), tuple(codes)) for pattern, codes in mapping)


def _check_codes(codes: tuple[str, ...], where: str, key: str) -> None:
    for code in codes:
        if not (code.isalnum() and code[:1].isalpha()):
            raise ReviewlintError(f"{where}: {key}: {code!r} is not a code prefix such as RVL1 or RVL101")


def parse_section(values: dict[str, Any], where: str) -> dict[str, Any]:
    """Validate a raw `[reviewlint]` mapping into Config field values."""
    fields: dict[str, Any] = {}
    for raw_key, value in values.items():
        key = raw_key.strip().replace("_", "-")
        if key not in _KNOWN_KEYS:
            raise ReviewlintError(f"{where}: unknown key {raw_key!r} in [reviewlint]")
        name = key.replace("-", "_")
        if key in _LIST_KEYS:
            if isinstance(value, str):
                items = split_list(value)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                items = tuple(v.strip() for v in value)
            else:
                raise ReviewlintError(f"{where}: {key}: expected a list of strings, got {value!r}")
            if key in ("select", "ignore"):
                _check_codes(items, where, key)
            fields[name] = items
        elif key in _STR_KEYS:
            if not isinstance(value, str) or not value.strip():
                raise ReviewlintError(f"{where}: {key}: expected a non-empty string, got {value!r}")
            fields[name] = value.strip()
        else:
            fields[name] = _parse_per_file_ignores(value, where)
    return fields


def _read_ini(path: Path) -> dict[str, Any] | None:
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ReviewlintError(f"{path}: cannot read config: {str(exc).splitlines()[0]}") from None
    if not parser.has_section("reviewlint"):
        return None
    return dict(parser.items("reviewlint"))


def _read_toml(path: Path) -> dict[str, Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ReviewlintError(f"{path}: cannot read config: {exc}") from None
    section = data.get("tool", {}).get("reviewlint")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ReviewlintError(f"{path}: [tool.reviewlint] must be a table")
    return section


def read_config_file(path: Path) -> Config:
    """Read `[reviewlint]` (or `[tool.reviewlint]`) from one file; an empty Config if absent."""
    if not path.is_file():
        raise ReviewlintError(f"{path}: config file not found")
    raw = _read_toml(path) if path.suffix == ".toml" else _read_ini(path)
    if raw is None:
        return Config(source=str(path))
    return Config(source=str(path), **parse_section(raw, str(path)))


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """The configuration for a project: `explicit` if given, else the first root file with a section."""
    if explicit is not None:
        return read_config_file(explicit)
    for name in ("setup.cfg", "tox.ini", "pyproject.toml"):
        path = root / name
        if path.is_file():
            config = read_config_file(path)
            if config.source and config != Config(source=str(path)):
                return config
    return Config()


def relative_to_root(path: Path, root: Path) -> str:
    """`path` relative to `root` with forward slashes, or absolute when outside it."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return os.path.abspath(path)
