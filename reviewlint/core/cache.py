"""The persistent cache: what the project model derived from each file, as plain data.

An entry is a JSON value computed from some files, stored with a stamp of
each of them (size, mtime, inode change time and inode where the platform
has them, and a digest of the bytes that were read). It is
used again only while every one of those files still has that content: the
cache is an accelerator, never a source of truth. The files of the tree
(which ones exist) are one more input of every entry.

One JSON file per project, tool version, Python version and configuration,
under the user's cache directory (`platformdirs`), or `--cache-dir` /
`REVIEWLINT_CACHE_DIR`; `--no-cache` / `REVIEWLINT_NO_CACHE=1` turn it off.
Data only: a cache file is parsed with `json`, never unpickled or imported,
so it cannot run code. It is written to a temporary file and renamed into
place, so two runs at once (the editor and pre-commit) leave one complete
file or the other; a truncated, corrupt or foreign file is ignored.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewlint import __version__
from reviewlint.core.guard import UnreadableSource, read_bytes

try:  # the module hashlib would load it from, without loading OpenSSL first
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - other Pythons
    from hashlib import blake2b as _blake2b

# 2: findings carry where the reported code ends; 3: stamps carry the inode and its change time;
# 4: handler summaries carry what the handler does with its request (analysis/flow.py);
# 5: each (entry used, digest seen) pair is written once, entries hold its index.
FORMAT = 5
# A cache file larger than this is not read (nor a FIFO or a device in its place).
CACHE_FILE_LIMIT = 512 * 1024 * 1024
# Entries beyond this many are dropped, least recently used first.
MAX_ENTRIES = 20000
# A file changed less than this long before it was read may change again
# within the same mtime tick: its digest is checked instead of its mtime.
RACY_NS = 2_000_000_000


def digest(data: bytes) -> str:
    """A short content digest (not for security: to notice edits)."""
    return _blake2b(data, digest_size=12).hexdigest()


@dataclass(frozen=True)
class Stamp:
    """How a file looked when an entry read it: size, mtime and a digest of its bytes.

    Where the platform has them, also the inode change time and the inode
    (-1 where not): a same-size edit that puts the mtime back (`touch -r`)
    still moves the change time, and a save by rename changes the inode.
    """

    size: int
    mtime_ns: int
    digest: str
    racy: bool = False
    ctime_ns: int = -1
    inode: int = -1

    def to_data(self) -> list[Any]:
        """The stamp as a JSON list."""
        return [self.size, self.mtime_ns, self.digest, self.racy, self.ctime_ns, self.inode]

    @classmethod
    def from_data(cls, data: Any) -> "Stamp":
        """The stamp from its JSON list (ValueError/TypeError when malformed)."""
        size, mtime_ns, text, racy, ctime_ns, inode = data
        if not (isinstance(size, int) and isinstance(mtime_ns, int) and isinstance(text, str)
                and isinstance(ctime_ns, int) and isinstance(inode, int)):
            raise ValueError("malformed stamp")
        return cls(size, mtime_ns, text, bool(racy), ctime_ns, inode)


# What `Files.stat` tells of a regular file: (size, mtime_ns, ctime_ns, inode).
StatKey = tuple[int, int, int, int]
# The change time is the inode's only on POSIX (Windows' st_ctime is the creation time).
_HAS_CHANGE_TIME = os.name == "posix"


def _stat_key(st: os.stat_result) -> StatKey:
    """(size, mtime_ns, ctime_ns, inode) of a stat, -1 for what the platform does not have."""
    ctime_ns = st.st_ctime_ns if _HAS_CHANGE_TIME else -1
    return st.st_size, st.st_mtime_ns, ctime_ns, st.st_ino or -1


class Files:
    """The files of one run as the cache sees them: stat once, digest on demand, overrides win."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}  # path -> the text given instead of the disk
        self._overrides: dict[str, str] = {}  # path -> its digest, when first needed
        self._stats: dict[str, StatKey | None] = {}
        self._digests: dict[str, str | None] = {}

    def override(self, path: str, text: str) -> None:
        """The file at `path` is `text` for this run (an editor's unsaved buffer)."""
        self._texts[path] = text
        self._overrides.pop(path, None)

    def overridden(self, path: str) -> str | None:
        """The digest of the text given for `path` instead of the disk, if any."""
        if path not in self._texts:
            return None
        if path not in self._overrides:
            self._overrides[path] = digest(self._texts[path].encode("utf-8", "surrogatepass"))
        return self._overrides[path]

    def stat(self, path: str) -> StatKey | None:
        """(size, mtime_ns, ctime_ns, inode) of a regular file, or None."""
        if path not in self._stats:
            try:
                st = os.stat(path)
                self._stats[path] = _stat_key(st) if _is_regular(st.st_mode) else None
            except (OSError, ValueError):
                self._stats[path] = None
        return self._stats[path]

    def stamp(self, path: str, data: bytes, stat: StatKey | None) -> Stamp:
        """The stamp of `data`, just read from `path` after `stat` was taken."""
        given = self.overridden(path)
        if given is not None:
            return Stamp(-1, -1, given)
        size, mtime_ns, ctime_ns, inode = stat if stat is not None else (-1, -1, -1, -1)
        racy = time.time_ns() - max(mtime_ns, ctime_ns) < RACY_NS
        return Stamp(size, mtime_ns, digest(data), racy, ctime_ns, inode)

    def unchanged(self, path: str, stamp: Stamp) -> bool:
        """True when `path` still holds what `stamp` describes."""
        given = self.overridden(path)
        if given is not None:
            return given == stamp.digest
        now = self.stat(path)
        if now is None:
            return False
        if now == (stamp.size, stamp.mtime_ns, stamp.ctime_ns, stamp.inode) and not stamp.racy:
            return True
        if stamp.size >= 0 and now[0] != stamp.size:
            return False
        # Same size, another mtime or change time (a touch, a checkout, a
        # chmod), or stamped from a buffer: the bytes decide.
        if path not in self._digests:
            try:
                self._digests[path] = digest(read_bytes(path, now[0]))
            except UnreadableSource:  # gone, grown or no longer a regular file
                self._digests[path] = None
        return self._digests[path] == stamp.digest


def _is_regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def cache_directory(option: str | None = None) -> Path | None:
    """Where caches live: `option`, `REVIEWLINT_CACHE_DIR`, else the user's cache directory.

    None when caching is off (`REVIEWLINT_NO_CACHE` set to a true value).
    """
    if os.environ.get("REVIEWLINT_NO_CACHE", "").strip().lower() not in ("", "0", "false", "no"):
        return None
    chosen = option or os.environ.get("REVIEWLINT_CACHE_DIR")
    if chosen:
        return Path(chosen).expanduser()
    if sys.platform == "linux" and "ANDROID_DATA" not in os.environ:
        # platformdirs' answer on Linux (the XDG base directory spec), without
        # importing it: that costs every editor save ~5 ms.
        base = os.environ.get("XDG_CACHE_HOME", "")
        return Path(base if base.strip() else os.path.expanduser("~/.cache"), "reviewlint")
    try:
        import platformdirs
    except ImportError:  # pragma: no cover - a declared dependency
        return Path.home() / ".cache" / "reviewlint"
    return Path(platformdirs.user_cache_dir("reviewlint", appauthor=False))


_CODE: list[str] = []


def code_version() -> str:
    """The version of reviewlint's own code: its release, and when it runs from a source checkout (an
    editable install, a test run) the stamps of its modules too, so an edit of the linter invalidates what
    the cache holds instead of serving results of the code before it (a release does not change)."""
    if not _CODE:
        _CODE.append(code_stamp(Path(__file__).resolve().parent.parent))
    return _CODE[0]


def code_stamp(package: Path) -> str:
    """`__version__`, with a digest of the modules' stamps when `package` sits in a source checkout."""
    stamps = []
    if (package.parent / "pyproject.toml").is_file() or (package.parent / "setup.cfg").is_file():
        for directory, subdirectories, files in os.walk(package):
            subdirectories[:] = sorted(d for d in subdirectories if d not in ("fixtures", "__pycache__"))
            for name in sorted(files):
                if name.endswith(".py"):
                    try:
                        status = os.stat(os.path.join(directory, name))
                    except OSError:
                        continue
                    stamps.append(f"{directory}/{name}:{status.st_mtime_ns}:{status.st_size}")
    return f"{__version__}+{digest(chr(10).join(stamps).encode())[:12]}" if stamps else __version__


def cache_file(directory: Path, root: Path, settings: str) -> Path:
    """The file of one project: named by root, settings, tool (`code_version`) and Python version."""
    identity = "\0".join((str(root), settings, code_version(), sys.version, str(FORMAT)))
    return directory / f"{root.name or 'root'}-{digest(identity.encode('utf-8', 'surrogatepass'))}.json"


@dataclass
class Deps:
    """What a computation read: files (with their stamps) and other entries (with their values' digests)."""

    files: dict[str, Stamp] = field(default_factory=dict)
    entries: dict[str, str] = field(default_factory=dict)

    def add(self, other: "Deps") -> None:
        """Everything `other` read, read here too."""
        self.files.update(other.files)
        self.entries.update(other.entries)


# Entries small and needed first (the editor's "not my file" for a file with
# no trace of anything reported), kept in a file of their own with the tree.
LIGHT_KEYS = ("prefilter:names", "prefilter:wsgify", "prefilter:pairs")


class _Part:
    """One cache file's entries: key -> (value, file indices, entries used with digests, value digest)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.loaded = False
        self.tree: Any = None
        self.tree_digest = ""  # which tree the entries were made for (both files say)
        self.files: list[str] = []
        self.raw_stamps: list[Any] = []
        self.stamps: dict[int, Stamp | None] = {}
        self.entries: dict[str, tuple[Any, list[int], dict[str, str], str]] = {}
        self.new: dict[str, tuple[Any, Deps, str]] = {}
        self.signature: tuple[int, int, int] | None = None  # the file as it was read (another run replaces it)
        self._by_path: dict[str, list[int]] | None = None  # path -> the indices of its stamps

    def load(self) -> None:
        """Read the file once (a missing, corrupt or foreign one counts as empty)."""
        if self.loaded:
            return
        self.loaded = True
        if self.path is None:
            return
        self.signature = _signature(self.path)
        try:
            data = json.loads(read_bytes(self.path, CACHE_FILE_LIMIT))
            if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != code_version():
                return
            files, stamps, pairs, entries = data["files"], data["stamps"], data["used"], data["entries"]
            if not (isinstance(files, list) and isinstance(stamps, list) and isinstance(pairs, list)
                    and isinstance(entries, list) and len(files) == len(stamps)
                    and all(isinstance(f, str) for f in files)):
                return
            used_pairs = [(key, seen) for key, seen in pairs if isinstance(key, str) and isinstance(seen, str)]
            if len(used_pairs) != len(pairs):
                return
            loaded: dict[str, tuple[Any, list[int], dict[str, str], str]] = {}
            for key, value, deps, used, value_digest in entries:
                if not (isinstance(key, str) and isinstance(deps, list) and isinstance(value_digest, str)
                        and all(isinstance(d, int) and 0 <= d < len(files) for d in deps)):
                    return
                loaded[key] = (value, deps, dict(used_pairs[index] for index in used), value_digest)
        except (OSError, UnreadableSource, ValueError, TypeError, KeyError, IndexError, RecursionError,
                MemoryError):
            return  # no cache, a corrupt or foreign one: start cold
        self.tree = data.get("tree")
        self.tree_digest = str(data.get("tree_digest", ""))
        self.files, self.raw_stamps, self.entries = files, stamps, loaded

    def stamp(self, index: int) -> Stamp | None:
        """The stamp of file `index` of the loaded table."""
        if index not in self.stamps:
            try:
                self.stamps[index] = Stamp.from_data(self.raw_stamps[index])
            except (ValueError, TypeError):
                self.stamps[index] = None
        return self.stamps[index]

    def known(self, path: str, stat: StatKey) -> Stamp | None:
        """A stamp of `path` taken when it had `stat`, outside the racy window: the file still has its bytes."""
        if self._by_path is None:
            self._by_path = {}
            for index, name in enumerate(self.files):
                self._by_path.setdefault(name, []).append(index)
        for index in self._by_path.get(path, ()):
            stamp = self.stamp(index)
            if stamp is not None and not stamp.racy and (
                    stamp.size, stamp.mtime_ns, stamp.ctime_ns, stamp.inode) == stat and stamp.size >= 0:
                return stamp
        return None

    def save(self, tree: Any, tree_digest: str, valid: dict[str, str | None], keep: set[str],
             force: bool = False, forgotten: bool = False) -> None:
        """Write this run's entries and the older ones still worth keeping (`keep`: other parts' keys).

        After `forgotten` (the tree changed) nothing older is kept.
        """
        if self.path is None or not (self.new or force):
            return
        files: list[str] = []
        stamps: list[Any] = []
        index_of: dict[tuple[str, tuple[Any, ...]], int] = {}

        def index(path: str, stamp: Stamp) -> int:
            key = (path, tuple(stamp.to_data()))
            if key not in index_of:
                index_of[key] = len(files)
                files.append(path)
                stamps.append(stamp.to_data())
            return index_of[key]

        chosen: dict[str, tuple[Any, list[int], dict[str, str], str]] = {}
        for key, (value, deps, value_digest) in self.new.items():
            chosen[key] = (value, sorted(index(p, s) for p, s in deps.files.items()), deps.entries, value_digest)
        # Entries valid this run first, then the others whose files all still
        # exist, then what another run (flake8's other worker, the editor)
        # wrote since this one read the file.
        kept = [(self, key, entry) for key, entry in
                sorted(self.entries.items(), key=lambda item: valid.get(item[0]) is None)]
        if not forgotten and self.path is not None and (
                self.signature is None or _signature(self.path) != self.signature):
            latest = _Part(self.path)
            latest.load()
            if latest.tree_digest == tree_digest:  # made for the same files
                kept += [(latest, key, entry) for key, entry in latest.entries.items() if key not in self.entries]
        exists: dict[str, bool] = {}  # entries share their files: one stat each

        def still_there(path: str) -> bool:
            if path not in exists:
                exists[path] = os.path.exists(path)
            return exists[path]

        for part, key, (value, indices, used, value_digest) in kept:
            if len(chosen) >= MAX_ENTRIES:
                break
            if key in chosen:
                continue
            old = [(part.files[i], part.stamp(i)) for i in indices]
            if any(stamp is None or not still_there(path) for path, stamp in old):
                continue  # a vanished file: prune
            chosen[key] = (value, sorted(index(p, s) for p, s in old if s is not None), used, value_digest)
        # An entry whose inputs include a dropped entry could never be checked again: drop it too.
        while True:
            missing = set().union(*(used for _, _, used, _ in chosen.values())) - chosen.keys() - keep
            if not missing:
                break
            for key in [key for key, (_, _, used, _) in chosen.items() if not missing.isdisjoint(used)]:
                del chosen[key]
        pairs: dict[tuple[str, str], int] = {}  # (key used, its digest then): each written once
        entries = [[key, value, indices, [pairs.setdefault(pair, len(pairs)) for pair in used.items()], digest_]
                   for key, (value, indices, used, digest_) in chosen.items()]
        data = {"format": FORMAT, "version": code_version(), "tree": tree, "tree_digest": tree_digest,
                "files": files, "stamps": stamps,
                "used": list(pairs), "entries": entries}
        # Every value went through json.dumps in `record` (or came from json.loads): no cycles to look for.
        text = json.dumps(data, separators=(",", ":"), check_circular=False)
        _write_atomically(self.path, text.encode("utf-8", "surrogatepass"))


class Store:
    """The entries of one project's cache: key -> (value, what it was computed from).

    `lookup` hands out a value only while the files it read are unchanged
    and the entries it used still have the values it saw; `save` writes
    back (atomically) what was added. Two files: a light one (the tree and
    the prefilter's names) read at once, the rest read when first needed.
    """

    def __init__(self, path: Path | None) -> None:
        self.light = _Part(path.with_name(path.stem + "-light.json") if path is not None else None)
        self.main = _Part(path)
        self._valid: dict[str, str | None] = {}  # key -> its value's digest when valid this run
        self._forgotten = False
        self.light.load()
        self.tree: Any = self.light.tree

    def _part(self, key: str) -> _Part:
        part = self.light if key.startswith(LIGHT_KEYS) else self.main
        if not part.loaded:
            part.load()
            # Entries hold for the tree they were made for: the light part's
            # (a run may have saved the light part alone after the tree changed).
            if self._forgotten or part.tree_digest != self.light.tree_digest:
                part.entries.clear()
        return part

    def forget_all(self) -> None:
        """Drop every loaded entry (the tree changed)."""
        self._forgotten = True
        self.light.entries.clear()
        self.main.entries.clear()
        self._valid.clear()

    def current_digest(self, key: str, files: Files) -> str | None:
        """The digest of `key`'s value as it stands this run, when it is known and valid."""
        part = self._part(key)
        if key in part.new:
            return part.new[key][2]
        if key not in self._valid:
            self._valid[key] = None  # a cycle sees an invalid entry
            self._valid[key] = self._check(part, key, files)
        return self._valid[key]

    def _check(self, part: _Part, key: str, files: Files) -> str | None:
        entry = part.entries.get(key)
        if entry is None:
            return None
        _, deps, used, value_digest = entry
        for index in deps:
            stamp = part.stamp(index)
            if stamp is None or not files.unchanged(part.files[index], stamp):
                return None
        for other, seen in used.items():
            if self.current_digest(other, files) != seen:
                return None
        return value_digest

    def holds(self, key: str, files: Files) -> bool:
        """True when `key` has a valid value, found without deciding it for good.

        The inputs of an invalid entry may be computed afterwards with the
        values they had, which makes the entry valid again: `lookup` then
        finds it.
        """
        part = self._part(key)
        if key in part.new:
            return True
        if key in self._valid:
            return self._valid[key] is not None
        return self._check(part, key, files) is not None

    def lookup(self, key: str, files: Files) -> tuple[Any, Deps] | None:
        """(value, what it read) of `key` when it is still valid, else None."""
        part = self._part(key)
        if key in part.new:
            value, deps, _ = part.new[key]
            return value, deps
        if self.current_digest(key, files) is None:
            return None
        value, indices, used, _ = part.entries[key]
        stamps = {part.files[i]: stamp for i in indices if (stamp := part.stamp(i)) is not None}
        return value, Deps(stamps, dict(used))

    def known_stamp(self, path: str, stat: StatKey) -> Stamp | None:
        """A stamp the cache holds of `path` as it is now (same size, mtime, change time and inode, not
        taken in the racy window): its digest need not be computed again. The light part has every
        module's (the prefilter read them all); the main part is asked only once it is loaded."""
        for part in (self.light, self.main):
            found = part.known(path, stat) if part.loaded else None
            if found is not None:
                return found
        return None

    def record(self, key: str, value: Any, deps: Deps) -> str:
        """Keep `value` for `key`, valid while what it read stays as it was; returns its digest."""
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
        value_digest = digest(text.encode("utf-8", "surrogatepass"))
        self._part(key).new[key] = (value, Deps(dict(deps.files), dict(deps.entries)), value_digest)
        return value_digest

    @property
    def dirty(self) -> bool:
        """True when `save` has something to write: new entries, or a tree that changed."""
        return bool(self.light.new or self.main.new or self._forgotten)

    def save(self, tree: Any) -> None:
        """Write each part that gained entries, with the older ones still worth keeping, up to the bound.

        Never raises: a read-only or missing cache directory just means the
        next run is cold too.
        """
        if self.main.new:
            self._part("")  # the older entries it keeps are read first
        main_keys = set(self.main.entries) | set(self.main.new)
        light_keys = set(self.light.entries) | set(self.light.new)
        # Which files exist, not when their directories last changed.
        files_only = [row[:1] + row[2:] for row in tree] if isinstance(tree, list) else tree
        tree_digest = digest(json.dumps(files_only, sort_keys=True).encode("utf-8", "surrogatepass"))
        self.light.save(tree, tree_digest, self._valid, main_keys,
                        force=bool(self.main.new or self._forgotten) and tree != self.light.tree,
                        forgotten=self._forgotten)
        self.main.save(None, tree_digest, self._valid, light_keys, forgotten=self._forgotten)


def _signature(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, mtime) of a cache file: a rename into place by another run changes it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _write_atomically(path: Path, data: bytes) -> None:
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
