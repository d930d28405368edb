"""The project model: root, files, module index, sources and the analyses built on them.

Nothing here imports or executes the code it reads. Parsing is lazy, so a
run that only needs one handler module parses that module and the modules
its calls and schemas resolve into, no more. What the analyses derive is
kept twice: for the run (`analysis`, any Python value) and, as plain data
with the files it was read from, in the persistent cache (`memo`), so that
an unchanged file is not parsed again by the next run.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import gc
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Generic, Iterator, TypeVar

from reviewlint.core.cache import Deps, Files, Stamp, Store
from reviewlint.core.config import DEFAULT_EXCLUDE, Config, resolve_path
from reviewlint.core.guard import UnreadableSource, read_bytes
from reviewlint.core.source import decode_source

if TYPE_CHECKING:
    from reviewlint.model.module import ModuleInfo, Site

T = TypeVar("T")

# Packages whose modules are tests, not API code.
TEST_PACKAGES = frozenset({"tests", "test", "unit", "functional"})
# The files the model reads: code, YAML tests and references, reStructuredText.
YAML_SUFFIXES = (".yaml", ".yml")
MODEL_SUFFIXES = (".py", *YAML_SUFFIXES, ".rst", ".inc")
# Documents read as UTF-8 whatever bytes they hold (a stray byte costs one character).
LENIENT_SUFFIXES = (".rst", ".inc")


def module_name_for(path: Path) -> tuple[str, Path]:
    """(dotted module name, source root) of a file, from the `__init__.py` chain on disk."""
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


# Python starts a line after \n, \r\n or a lone \r, and a form feed in the
# indentation resets the column: the text tests accept all of these.
LINE_START = rb"(?:^|(?<=\r))"
CONTINUATION = rb"\\(?:\r\n?|\n)"
_BLOCK_AT_TOP = re.compile(LINE_START + rb"(?:[ \t\f]*\f)?(?:if|try)\b", re.M)
# A class statement and the text of its bases (`class PlacementWsgify(webob.dec.wsgify):`), found
# anywhere (a match in a comment only adds a name no decorator uses): a literal start is fast.
_CLASS = re.compile(rb"class[ \t]+([A-Za-z_]\w*)[ \t]*\(([^)]*)\)")
_BASE = re.compile(rb"[A-Za-z_][\w.]*")
# The cache key of the project's wsgify decorator names (kept with the prefilter's light entries).
WSGIFY_KEY = "prefilter:wsgify"


def derived_decorators(names: tuple[str, ...], classes: list[tuple[str, frozenset[str]]]) -> tuple[str, ...]:
    """`names`, then every class (sorted) derived from one of them, directly or through other classes.

    `classes` are (class name, last names of its bases), as a text scan finds them.
    """
    known = set(names)
    derived: set[str] = set()
    grown = True
    while grown:
        grown = False
        for name, bases in classes:
            if name not in known and not bases.isdisjoint(known):
                known.add(name)
                derived.add(name)
                grown = True
    return tuple(names) + tuple(sorted(derived))


class HandlerHint:
    """Whether a file's text can define a module-level function with a wsgify decorator.

    The decorator then starts a line, unindented, or indented in a module
    with a top-level `if`/`try` (the blocks whose functions count as
    module-level). A `wsgify` on a method of a middleware class does not.
    """

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = tuple(name.encode() for name in names)
        alternatives = b"|".join(re.escape(name) for name in self.names)
        self.pattern = re.compile(LINE_START + rb"([ \t\f]*)@(?:[\w. \t\f(]|" + CONTINUATION + rb")*\b(?:"
                                  + alternatives + rb")\b", re.M)

    def __call__(self, data: bytes) -> bool:
        if not any(name in data for name in self.names):
            return False
        indented = False
        for match in self.pattern.finditer(data):
            if not match.group(1).rpartition(b"\f")[2]:  # nothing after the last form feed
                return True
            indented = True
        return indented and _BLOCK_AT_TOP.search(data) is not None


def text_assigns(name: bytes) -> re.Pattern[bytes]:
    """A text test for an assignment to `name` (annotated, indented or chained too), as Python reads it."""
    return re.compile(rb"(?<![\w.])" + re.escape(name) + rb"(?:[ \t\f]|" + CONTINUATION
                      + rb")*(?::[^=\r\n]*)?=(?!=)")


def is_excluded(name: str, relpath: str, patterns: tuple[str, ...]) -> bool:
    """True when a file or directory name (or its root-relative path) matches a pattern (fnmatch)."""
    matcher = _excluder(patterns)
    return bool(matcher(os.path.normcase(name)) or matcher(os.path.normcase(relpath)))


@functools.lru_cache(maxsize=32)
def _excluder(patterns: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    """One compiled expression for all the patterns: every file of a tree is tested."""
    if not patterns:
        return lambda text: None
    return re.compile("|".join(f"(?:{fnmatch.translate(os.path.normcase(p))})" for p in patterns)).match


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How a cached value becomes JSON data and back (`decode(encode(v)) == v`)."""

    encode: Callable[[T], Any]
    decode: Callable[[Any], T]


_NAMES: Codec[tuple[str, ...]] = Codec(list, lambda data: tuple(str(name) for name in data))
_VERDICT: Codec[bool] = Codec(bool, lambda data: data is True)


class Tree:
    """The model's files under the root: every directory walked, with its mtime and entries.

    It is itself an input of every cached entry: a file added, removed or
    renamed makes the whole cache cold. Checking it costs a `stat` per
    directory; only a directory whose mtime moved is listed again.
    """

    def __init__(self, root: Path, exclude: tuple[str, ...]) -> None:
        self.root = root
        self.exclude = exclude
        self.directories: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {}

    def _entries(self, rel: str) -> tuple[int, tuple[str, ...], tuple[str, ...]] | None:
        """(mtime_ns, kept subdirectories, model files) of one directory, or None if unreadable."""
        directory = os.path.join(self.root, rel) if rel else str(self.root)
        try:
            mtime = os.stat(directory).st_mtime_ns
            entries = list(os.scandir(directory))
        except OSError:
            return None
        subdirs, files = [], []
        for entry in entries:
            relpath = os.path.normpath(os.path.join(rel, entry.name)) if rel else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                continue
            if is_dir:
                if not is_excluded(entry.name, relpath, self.exclude):
                    subdirs.append(entry.name)
            elif entry.name.endswith(MODEL_SUFFIXES) and not is_excluded(entry.name, relpath, self.exclude):
                files.append(entry.name)
        return mtime, tuple(sorted(subdirs)), tuple(sorted(files))

    def walk(self) -> None:
        """List every directory afresh."""
        self.directories = {}
        pending = [""]
        seen: set[tuple[int, int]] = set()
        while pending:
            rel = pending.pop()
            found = self._entries(rel)
            if found is None:
                continue
            try:  # a directory reached twice through links is listed once
                st = os.stat(os.path.join(self.root, rel) if rel else self.root)
                if (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
            except OSError:
                continue
            self.directories[rel] = found
            pending.extend(os.path.join(rel, d) if rel else d for d in reversed(found[1]))

    def restore(self, data: Any) -> bool:
        """Take a recorded tree when the disk still has the same files; False if not."""
        if not isinstance(data, list):
            return False
        directories = {}
        try:
            for rel, mtime, subdirs, files in data:
                directories[rel] = (mtime, tuple(subdirs), tuple(files))
        except (TypeError, ValueError):
            return False
        for rel, (mtime, subdirs, files) in directories.items():
            directory = os.path.join(self.root, rel) if rel else str(self.root)
            try:
                if os.stat(directory).st_mtime_ns == mtime:
                    continue
            except OSError:
                return False
            now = self._entries(rel)
            if now is None or now[1:] != (subdirs, files):
                return False
            directories[rel] = now  # same entries, newer mtime (an editor's swap file came and went)
        self.directories = directories
        return True

    def to_data(self) -> list[Any]:
        """The tree as JSON data."""
        return [[rel, mtime, list(subdirs), list(files)] for rel, (mtime, subdirs, files) in
                sorted(self.directories.items())]

    def paths(self) -> list[str]:
        """Every model file (as a string: a large tree has many), sorted."""
        root = str(self.root)
        return sorted(os.path.join(root, rel, name) if rel else os.path.join(root, name)
                      for rel, (_, _, files) in self.directories.items() for name in files)


class ModuleIndex:
    """Dotted module names of the project's Python files, from their `__init__.py` chains.

    A name the code uses resolves exactly, else by its longest suffix that
    names exactly one project module: in a checkout without its outer
    `__init__.py` files (a namespace package, a sparse or partial checkout,
    an exported subtree) `nova.api.openstack.placement.handlers.trait` is
    the module indexed as `placement.handlers.trait`.
    """

    def __init__(self, python_files: list[str]) -> None:
        split = os.path.split
        packages = {split(path)[0] for path in python_files if path.endswith(os.sep + "__init__.py")}
        self.by_name: dict[str, str] = {}
        self.by_path: dict[str, str] = {}
        for path in python_files:
            directory, filename = split(path)
            parts = [] if filename == "__init__.py" else [filename[:-3]]
            while directory in packages:
                directory, package = split(directory)
                parts.append(package)
            name = ".".join(reversed(parts))
            if name and name not in self.by_name:
                self.by_name[name] = path
            self.by_path[path] = name
        self._suffixes: dict[str, list[str]] | None = None
        self._paths: dict[str, Path] = {}

    def path_of(self, name: str) -> Path:
        """The file of the indexed module `name`."""
        if name not in self._paths:
            self._paths[name] = Path(self.by_name[name])
        return self._paths[name]

    def add(self, name: str, path: Path) -> None:
        """Index one more file (an editor's buffer not yet on disk)."""
        self.by_name.setdefault(name, str(path))
        self.by_path.setdefault(str(path), name)
        self._suffixes = None

    def canonical(self, dotted: str) -> str | None:
        """The indexed name of the module `dotted` names, if it is a project module."""
        if dotted in self.by_name:
            return dotted
        if self._suffixes is None:
            self._suffixes = {}
            for name in self.by_name:
                parts = name.split(".")
                for cut in range(1, len(parts)):
                    self._suffixes.setdefault(".".join(parts[cut:]), []).append(name)
        parts = dotted.split(".")
        for cut in range(1, len(parts)):
            suffix = ".".join(parts[cut:])
            if suffix in self.by_name:
                owners = [suffix, *self._suffixes.get(suffix, ())]
            else:
                owners = self._suffixes.get(suffix, [])
            if len(owners) == 1:
                return owners[0]
            if owners:
                return None  # ambiguous: say nothing rather than guess
        return None


class Project:
    """Everything reviewlint knows about one source tree, built lazily and cached."""

    def __init__(self, root: Path, config: Config, store: Store | None = None) -> None:
        self.root = resolve_path(root)
        self.config = config
        self.exclude = DEFAULT_EXCLUDE + config.exclude
        self.store = store if store is not None else Store(None)
        self.files_state = Files()
        self._by_path: dict[Path, ModuleInfo | None] = {}
        self._overrides: dict[Path, str] = {}
        self._texts: dict[Path, tuple[str, Stamp] | UnreadableSource] = {}
        self._frames: list[Deps] = []
        self._memo: dict[str, tuple[Any, Deps]] = {}
        self._digests: dict[str, str] = {}  # persisted memo key -> digest of its value this run
        self._analyses: dict[Callable[..., Any], Any] = {}
        self._hints: dict[tuple[str, ...], HandlerHint] = {}
        self._analysis_config: Config | None = None

    # -- files ------------------------------------------------------------------
    @cached_property
    def tree(self) -> Tree:
        """The model's files, restored from the cache when the disk still agrees."""
        tree = Tree(self.root, self.exclude)
        if not tree.restore(self.store.tree):
            tree.walk()
            self.store.forget_all()
        return tree

    @cached_property
    def _paths(self) -> list[str]:
        return self.tree.paths()

    @property
    def file_names(self) -> list[str]:
        """Every model file's path as a string (`files` without a Path each)."""
        return self._paths

    @cached_property
    def files(self) -> tuple[Path, ...]:
        """Every model file under the root (Python, YAML, reStructuredText), minus excluded directories."""
        return tuple(map(Path, self._paths))

    @cached_property
    def python_files(self) -> tuple[Path, ...]:
        """The `.py` files of the project."""
        return tuple(Path(p) for p in self._paths if p.endswith(".py"))

    @cached_property
    def index(self) -> ModuleIndex:
        """Dotted names of the project's modules."""
        index = ModuleIndex([p for p in self._paths if p.endswith(".py")])
        for path in self._overrides:
            if str(path) not in index.by_path:
                index.add(module_name_for(path)[0], path)
        return index

    @cached_property
    def _module_words(self) -> frozenset[str]:
        """The last part of every module name the index may hold: file stems and package directories."""
        words = {self.root.name}
        for rel, (_, _, files) in self.tree.directories.items():
            words.update(name[:-3] for name in files if name.endswith(".py"))
            words.add(os.path.basename(rel))
        for path in self._overrides:
            words.update((path.stem, path.parent.name))
        return frozenset(words)

    def may_name_module(self, dotted: str) -> bool:
        """False when `dotted` cannot name a project module (its last part names none): the index is not built."""
        return dotted.rpartition(".")[2] in self._module_words

    def override(self, path: Path, source: str) -> None:
        """Use `source` for `path` instead of the disk (stdin, editors); the same text again changes nothing."""
        resolved = resolve_path(path)
        if self._overrides.get(resolved) == source:
            return  # the flake8 plugin gives it before its prefilter, lint_source again
        self.__dict__.pop("_module_words", None)
        self._overrides[resolved] = source
        self._texts.pop(resolved, None)
        self.files_state.override(str(resolved), source)
        if "index" in self.__dict__ and str(resolved) not in self.index.by_path:
            self.index.add(module_name_for(resolved)[0], resolved)

    def source(self, path: Path) -> str:
        """The text of a project file (the override if there is one); UnreadableSource if it has none.

        Inside a `memo` computation, the file becomes one of its inputs.
        """
        resolved = resolve_path(path)
        known = self._texts.get(resolved)
        if known is None:
            known = self._read(resolved)
            self._texts[resolved] = known
        if isinstance(known, UnreadableSource):
            raise known
        text, stamp = known
        self._depend({str(resolved): stamp})
        return text

    def _read(self, path: Path) -> tuple[str, Stamp] | UnreadableSource:
        key = str(path)
        if path in self._overrides:
            text = self._overrides[path]
            return text, self.files_state.stamp(key, b"", None)
        stat = self.files_state.stat(key)  # before reading: an edit in between is noticed next time
        try:
            data = read_bytes(path, self.config.max_file_size)  # regular files only, never past the limit
        except UnreadableSource as exc:
            return exc
        known = self.store.known_stamp(key, stat) if stat is not None else None  # a digest not computed again
        stamp = known if known is not None else self.files_state.stamp(key, data, stat)
        if path.suffix in LENIENT_SUFFIXES:
            return data.decode("utf-8-sig", "replace"), stamp
        try:
            return decode_source(data), stamp
        except UnreadableSource as exc:
            self._depend({key: stamp})
            return exc

    def raw(self, path: Path) -> bytes:
        """The bytes of a project file for a text test (empty when it cannot be read)."""
        try:
            return self.source(path).encode("utf-8", "surrogatepass")
        except UnreadableSource:
            return b""

    def files_containing(self, needle: bytes) -> tuple[Path, ...]:
        """Python files whose raw text contains `needle` (the cheap prefilter)."""
        return tuple(path for path in self.python_files if needle in self.raw(path))

    def files_assigning(self, name: str) -> tuple[Path, ...]:
        """Python files that may bind `name` at module level (a text test: the caller parses to be sure)."""
        assigns = text_assigns(name.encode())
        return tuple(path for path in self.files_containing(name.encode()) if assigns.search(self.raw(path)))

    def may_define_handlers(self, data: bytes) -> bool:
        """The text test a module passes before it is parsed for handlers.

        A text without `@` has no decorator: the project's wsgify names are
        not even needed (deriving them reads every module: an editor's cold
        save of a plain file skips that).
        """
        return b"@" in data and self.handler_hint(data)

    @property
    def handler_hint(self) -> HandlerHint:
        """The text test for the wsgify decorators' names (they are the project's: see wsgify_decorators)."""
        names = self.wsgify_decorators
        hint = self._hints.get(names)
        if hint is None:
            hint = self._hints[names] = HandlerHint(names)
        return hint

    @property
    def wsgify_decorators(self) -> tuple[str, ...]:
        """The wsgify decorators: config `wsgify-decorators` and the project's classes derived from them.

        A class derived from one of them, directly or through other classes
        of the project (`class PlacementWsgify(webob.dec.wsgify)`), is one
        too. Found by a text scan of the modules outside test packages and
        kept in the cache: a computation that asks is one of its dependents.
        """
        return self.memo(WSGIFY_KEY, self._derive_wsgify, _NAMES)

    def _derive_wsgify(self) -> tuple[str, ...]:
        classes: list[tuple[str, frozenset[str]]] = []
        for path in self.python_files:
            if TEST_PACKAGES.intersection(self.module_name(path).split(".")[:-1]):
                continue
            data = self.raw(path)
            if b"class" not in data:
                continue
            for match in _CLASS.finditer(data):
                bases = frozenset(base.rsplit(b".", 1)[-1].decode() for base in _BASE.findall(match.group(2)))
                classes.append((match.group(1).decode(), bases))
        return derived_decorators(self.config.wsgify_decorators, classes)

    def analysis_config(self) -> Config:
        """The config modules are parsed with: the project's wsgify decorators in place of the configured ones."""
        names = self.wsgify_decorators
        if names == self.config.wsgify_decorators:
            return self.config
        if self._analysis_config is None or self._analysis_config.wsgify_decorators != names:
            self._analysis_config = self.config.replace(wsgify_decorators=names)
        return self._analysis_config

    # -- the caches ----------------------------------------------------------------
    def _depend(self, stamps: dict[str, Stamp]) -> None:
        """The memo computing now read these files (the memos around it depend on it, not on them)."""
        if self._frames:
            self._frames[-1].files.update(stamps)

    def memo(self, key: str, compute: Callable[[], T], codec: Codec[T] | None = None) -> T:
        """`compute()` once per run; with a `codec`, also across runs while its inputs are unchanged.

        The inputs are what `compute` read: files through `source`, and
        other memos. A memo used inside another is one of its inputs, so
        every cache of the model says what it was built from. With a codec
        the value must be plain data through it (`decode(encode(v)) == v`).
        """
        known = self._memo.get(key)
        if known is None:
            hit = None
            if codec is not None:
                self.tree  # noqa: B018 - entries hold only for the same files
                hit = self.store.lookup(key, self.files_state)
            if hit is not None:
                try:
                    known = (codec.decode(hit[0]), hit[1])  # type: ignore[union-attr]
                except (ValueError, TypeError, KeyError, IndexError, AttributeError):
                    known = None  # a malformed entry: compute it again
                else:
                    self._digests[key] = self.store.current_digest(key, self.files_state) or ""
            if known is None:
                self._frames.append(Deps())
                try:
                    value = compute()
                finally:
                    deps = self._frames.pop()
                if codec is not None:
                    self._digests[key] = self.store.record(key, codec.encode(value), deps)
                known = (value, deps)
            self._memo[key] = known
        if self._frames:
            if codec is not None:
                self._frames[-1].entries[key] = self._digests[key]
            else:
                self._frames[-1].add(known[1])
        return known[0]

    def holds(self, key: str) -> bool:
        """True when the memo `key` is known: this run, or valid in the cache (nothing is computed)."""
        if key in self._memo:
            return True
        self.tree  # noqa: B018 - entries hold only for the same files
        return self.store.holds(key, self.files_state)

    def analysis(self, build: Callable[["Project"], T]) -> T:
        """A project-wide result of `build` (any value), computed once per run."""
        if build not in self._analyses:
            self._analyses[build] = build(self)
        return self._analyses[build]

    def save_cache(self) -> None:
        """Write what this run learned to the persistent cache (never raises)."""
        if self.store.dirty:
            self.store.save(self.tree.to_data())

    # -- module index -----------------------------------------------------------
    def module_path(self, dotted: str) -> Path | None:
        """The file that defines module `dotted`, if it is part of the project."""
        name = self.index.canonical(dotted)
        return self.index.path_of(name) if name is not None else None

    def module_name(self, path: Path) -> str:
        """The dotted name of a project file."""
        resolved = resolve_path(path)
        name = self.index.by_path.get(str(resolved))
        return name if name is not None else module_name_for(resolved)[0]

    def module(self, dotted: str) -> ModuleInfo | None:
        """The parsed module `dotted`, or None if it is not in the project or does not parse."""
        path = self.module_path(dotted)
        return self.module_at(path) if path is not None else None

    def module_at(self, path: Path) -> ModuleInfo | None:
        """The parsed module stored at `path` (None if it does not parse)."""
        resolved = resolve_path(path)
        self.wsgify_decorators  # noqa: B018 - which functions are handlers depends on them
        if resolved not in self._by_path:
            self._by_path[resolved] = self._parse(self.module_name(resolved), resolved)
        else:
            try:
                self.source(resolved)  # whatever is computing now reads it too
            except UnreadableSource:
                pass
        return self._by_path[resolved]

    def parsed(self, path: Path) -> bool:
        """True when this run already parsed the module at `path` (without parsing it)."""
        return self._by_path.get(resolve_path(path)) is not None

    def _parse(self, dotted: str, path: Path) -> ModuleInfo | None:
        import libcst as cst

        from reviewlint.model.module import parse_module, vetted

        try:  # the guard's verdict is kept with the text: an unchanged module is not vetted again
            ok = self.memo(f"vetted:{path}", lambda: vetted(self.source(path), self.config.limits), _VERDICT)
            return parse_module(dotted, path, self.source(path), self.analysis_config(), ok)
        except (UnreadableSource, cst.ParserSyntaxError, RecursionError):
            return None

    def position(self, site: Site) -> tuple[int, int]:
        """(line, column) of a node named as data (line 1 when its file no longer parses)."""
        module = self.module_at(site.path)
        node = module.node_at(site.ordinal) if module is not None else None
        return module.position(node) if module is not None and node is not None else (1, 0)

    def split_path(self, dotted: str) -> tuple[str, Path, str] | None:
        """(module name, file, rest) for the longest module prefix of `dotted` in the project."""
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            name = self.index.canonical(".".join(parts[:cut]))
            if name is not None:
                return name, self.index.path_of(name), ".".join(parts[cut:])
        return None

    def canonical(self, dotted: str) -> str:
        """`dotted` (a module, or a name inside one) with its module named as the index names it.

        Unchanged when it names nothing of the project.
        """
        module = self.index.canonical(dotted)
        if module is not None:
            return module
        found = self.split_path(dotted)
        return f"{found[0]}.{found[2]}" if found is not None else dotted

    def split_dotted(self, dotted: str) -> tuple[ModuleInfo, str] | None:
        """Split `pkg.mod.attr` into the parsed project module and the attribute inside it."""
        found = self.split_path(dotted)
        if found is None:
            return None
        module = self.module(found[0])
        return (module, found[2]) if module is not None else None

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


_PROJECTS: dict[tuple[Path, Config, Path | None], Project] = {}


def project_for(root: Path, config: Config, cache_dir: Path | None = None) -> Project:
    """The Project for a root and config, built once per process (the explicit cache).

    With `cache_dir`, what it derives is kept there between runs (see cache.py).
    """
    from reviewlint.core.cache import cache_file

    key = (resolve_path(root), config, cache_dir)
    if key not in _PROJECTS:
        root = key[0]
        store = Store(cache_file(cache_dir, root, config.analysis_key()) if cache_dir is not None else None)
        _PROJECTS[key] = Project(root, config, store)
    return _PROJECTS[key]


def save_projects() -> None:
    """Write every project's cache (the flake8 plugin has no end-of-run hook: this runs at exit)."""
    for project in _PROJECTS.values():
        project.save_cache()


def forget_projects() -> None:
    """Drop every cached project (after files were rewritten by --fix)."""
    _PROJECTS.clear()


# An analysis that leaves more new objects than this behind froze them out of the collector.
FREEZE_FROM = 20000


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused while reviewlint analyses; what it keeps frozen out of it.

    `import libcst` and its parser make hundreds of thousands of objects,
    and the collector's passes over them cost an editor's save about a
    third of its time, and flake8's own work on the files after a cold
    build a third more. The analysis makes little cyclic garbage, and what
    a large one keeps (LibCST's classes, the project model, parsed modules)
    lives as long as the process: `gc.freeze()` keeps later passes from
    walking it. A small one is left to the collector: freezing at every
    file would keep flake8's cyclic garbage of the moment for good.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_count()[0] > FREEZE_FROM:  # new objects since the collector last ran
            gc.freeze()
        if enabled:
            gc.enable()
