"""The project model: root, files, module index and lazily parsed modules.

Nothing here imports or executes the code it reads. Parsing is lazy, so a
run that only needs one handler module parses that module and the modules
its calls and schemas resolve into, no more.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from reviewlint.config import DEFAULT_EXCLUDE, Config, resolve_path
from reviewlint.source import UnreadableSource, read_source

if TYPE_CHECKING:
    from reviewlint.module import Function, ModuleInfo

# Packages whose modules are tests, not API code.
TEST_PACKAGES = frozenset({"tests", "test", "unit", "functional"})


def module_name_for(path: Path) -> tuple[str, Path]:
    """(dotted module name, source root) of a file, from the `__init__.py` chain."""
    path = resolve_path(path)
    package, source_root = _package_of(path.parent)
    parts = [*package, path.stem] if path.name != "__init__.py" else list(package)
    return ".".join(parts), source_root


@functools.lru_cache(maxsize=4096)
def _package_of(directory: Path) -> tuple[tuple[str, ...], Path]:
    """(package name parts, source root) of a directory, from its `__init__.py` chain."""
    parts: list[str] = []
    while (directory / "__init__.py").exists() and directory.parent != directory:
        parts.append(directory.name)
        directory = directory.parent
    return tuple(reversed(parts)), directory


_BLOCK_AT_TOP = re.compile(rb"^(?:if|try)\b", re.M)


class HandlerHint:
    """Whether a file's text can define a module-level function with a wsgify decorator.

    The decorator then starts a line, unindented, or indented in a module
    with a top-level `if`/`try` (the blocks whose functions count as
    module-level). A `wsgify` on a method of a middleware class does not.
    """

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = tuple(name.encode() for name in names)
        alternatives = b"|".join(re.escape(name) for name in self.names)
        self.pattern = re.compile(rb"^([ \t]*)@[\w. \t]*\b(?:" + alternatives + rb")\b", re.M)

    def __call__(self, data: bytes) -> bool:
        if not any(name in data for name in self.names):
            return False
        indented = False
        for match in self.pattern.finditer(data):
            if not match.group(1):
                return True
            indented = True
        return indented and _BLOCK_AT_TOP.search(data) is not None


def is_excluded(name: str, relpath: str, patterns: tuple[str, ...]) -> bool:
    """True when a file or directory name (or its root-relative path) matches a pattern."""
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(relpath, p) for p in patterns)


class Project:
    """Everything reviewlint knows about one source tree, built lazily and cached."""

    def __init__(self, root: Path, config: Config) -> None:
        self.root = resolve_path(root)
        self.config = config
        self.exclude = DEFAULT_EXCLUDE + config.exclude
        self._modules: dict[str, ModuleInfo | None] = {}
        self._by_path: dict[Path, ModuleInfo | None] = {}
        self._overrides: dict[Path, str] = {}
        self._source_roots: list[Path] = [self.root, self.root / "src"]
        # Project-wide analyses keyed by name (the one explicitly keyed cache).
        self.cache: dict[str, Any] = {}

    # -- files ------------------------------------------------------------------
    def override(self, path: Path, source: str) -> None:
        """Use `source` for `path` instead of the disk (stdin, editors)."""
        self._overrides[resolve_path(path)] = source
        self.add_source_root(path)

    def add_source_root(self, path: Path) -> None:
        """Remember the source root above `path` so its package's imports resolve."""
        _, source_root = module_name_for(path)
        if source_root not in self._source_roots:
            self._source_roots.append(source_root)

    def source(self, path: Path) -> str:
        """The text of a project file (the override if there is one)."""
        path = resolve_path(path)
        if path in self._overrides:
            return self._overrides[path]
        return read_source(path)

    @cached_property
    def files(self) -> tuple[Path, ...]:
        """Every file under the root, minus excluded directories, sorted."""
        found: list[Path] = []
        for directory, dirnames, filenames in os.walk(self.root):
            rel = os.path.relpath(directory, self.root)
            dirnames[:] = sorted(
                d for d in dirnames
                if not is_excluded(d, os.path.normpath(os.path.join(rel, d)), self.exclude)
            )
            for filename in filenames:
                relfile = os.path.normpath(os.path.join(rel, filename))
                if not is_excluded(filename, relfile, self.exclude):
                    found.append(Path(directory, filename))
        return tuple(sorted(found))

    @cached_property
    def python_files(self) -> tuple[Path, ...]:
        """The `.py` files of the project."""
        return tuple(p for p in self.files if p.suffix == ".py")

    def files_containing(self, needle: bytes) -> tuple[Path, ...]:
        """Python files whose raw text contains `needle` (the cheap prefilter)."""
        return self.files_where(f"files_containing:{needle!r}", lambda data: needle in data)

    def files_where(self, key: str, test: Callable[[bytes], bool]) -> tuple[Path, ...]:
        """Python files whose raw text passes `test`, cached under `key`."""
        if key not in self.cache:
            hits = []
            for path in self.python_files:
                resolved = resolve_path(path) if self._overrides else path
                if resolved in self._overrides:
                    if test(self._overrides[resolved].encode("utf-8", "replace")):
                        hits.append(path)
                    continue
                try:
                    if test(path.read_bytes()):
                        hits.append(path)
                except OSError:
                    continue
            self.cache[key] = tuple(hits)
        return self.cache[key]

    @cached_property
    def may_define_handlers(self) -> HandlerHint:
        """The text test a module passes before it is parsed for handlers."""
        return HandlerHint(self.config.wsgify_decorators)

    # -- module index -----------------------------------------------------------
    def module_path(self, dotted: str) -> Path | None:
        """The file that defines module `dotted`, if it is part of the project."""
        relative = Path(*dotted.split("."))
        for source_root in self._source_roots:
            for candidate in (source_root / relative.with_suffix(".py"), source_root / relative / "__init__.py"):
                if (self._overrides and resolve_path(candidate) in self._overrides) or candidate.is_file():
                    return candidate
        return None

    def module_name(self, path: Path) -> str:
        """The dotted name of a project file."""
        return module_name_for(path)[0]

    def module(self, dotted: str) -> ModuleInfo | None:
        """The parsed module `dotted`, or None if it is not in the project or does not parse."""
        if dotted not in self._modules:
            path = self.module_path(dotted)
            self._modules[dotted] = self.module_at(path) if path is not None else None
        return self._modules[dotted]

    def module_at(self, path: Path) -> ModuleInfo | None:
        """The parsed module stored at `path` (None if it does not parse)."""
        resolved = resolve_path(path)
        if resolved not in self._by_path:
            self.add_source_root(resolved)
            self._by_path[resolved] = self._parse(self.module_name(resolved), resolved)
        return self._by_path[resolved]

    def parsed_paths(self) -> set[Path]:
        """Files parsed so far (those a project-wide analysis looked into)."""
        return {path for path, module in self._by_path.items() if module is not None}

    def _parse(self, dotted: str, path: Path) -> ModuleInfo | None:
        from reviewlint.module import parse_module
        import libcst as cst

        try:
            return parse_module(dotted, path, self.source(path), self.config)
        except (UnreadableSource, cst.ParserSyntaxError, RecursionError):
            return None

    def split_path(self, dotted: str) -> tuple[str, Path, str] | None:
        """(module name, file, rest) for the longest module prefix of `dotted` in the project."""
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            name = ".".join(parts[:cut])
            path = self.module_path(name)
            if path is not None:
                return name, path, ".".join(parts[cut:])
        return None

    def split_dotted(self, dotted: str) -> tuple[ModuleInfo, str] | None:
        """Split `pkg.mod.attr` into the parsed project module and the attribute inside it."""
        found = self.split_path(dotted)
        if found is None:
            return None
        module = self.module(found[0])
        return (module, found[2]) if module is not None else None

    def function(self, dotted: str) -> Function | None:
        """The module-level function a call to `dotted` runs (its last definition).

        A cheap text test comes first, so resolving `obj_module.Class.method`
        or a missing name never parses the module.
        """
        found = self.split_path(dotted)
        if found is None or "." in found[2]:
            return None
        name, path, attr = found
        try:
            if f"def {attr}(" not in self.source(path):
                return None
        except UnreadableSource:
            return None
        module = self.module(name)
        definitions = module.functions_named(attr) if module is not None else []
        return definitions[-1] if definitions else None

    # -- handlers ---------------------------------------------------------------
    def may_hold_handlers(self, path: Path) -> bool:
        """Whether handlers in this file count: config `handlers` globs, else any non-test module.

        Test packages wrap fakes in wsgify too; they serve no API, so by
        default they are not handler modules.
        """
        if self.config.handlers:
            relative = os.path.relpath(resolve_path(path), self.root).replace(os.sep, "/")
            dotted = self.module_name(path)
            return any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(dotted, p) for p in self.config.handlers)
        return not TEST_PACKAGES.intersection(self.module_name(path).split(".")[:-1])

    def handler_modules(self) -> list[ModuleInfo]:
        """Every project module that defines a handler, in path order."""
        if "handler_modules" not in self.cache:
            modules = []
            for path in self.files_where("handler_candidates", self.may_define_handlers):
                if not self.may_hold_handlers(path):
                    continue
                module = self.module_at(path)
                if module is not None and any(module.handlers()):
                    modules.append(module)
            # RULES.md: a function named in ROUTE_DECLARATIONS is a handler too.
            for function in self._routed():
                if all(function.owner is not m for m in modules):
                    modules.append(function.owner)
            self.cache["handler_modules"] = sorted(modules, key=lambda m: m.path)
        return self.cache["handler_modules"]

    def _routed(self) -> list[Function]:
        from reviewlint.routes import routed_functions

        return routed_functions(self)

    def handlers(self) -> Iterator[Function]:
        """Every handler of the project: wsgify-decorated or named in ROUTE_DECLARATIONS."""
        if "routed_keys" not in self.cache:
            self.cache["routed_keys"] = frozenset((f.qualname, f.index) for f in self._routed())
        routed = self.cache["routed_keys"]
        for module in self.handler_modules():
            for function in module.functions:
                if module.is_handler(function) or (function.qualname, function.index) in routed:
                    yield function

    def analysis(self, key: str, build: Callable[["Project"], Any]) -> Any:
        """A project-wide result computed once per run under `key`."""
        if key not in self.cache:
            self.cache[key] = build(self)
        return self.cache[key]
