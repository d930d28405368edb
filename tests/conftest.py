"""Shared test helpers: the real CLI, the real flake8, fixture cases and real trees."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "reviewlint" / "fixtures"
EXAMPLE = FIXTURES / "example"
CASES = FIXTURES / "cases"
CACHE = Path(os.environ.get("REVIEWLINT_TEST_CACHE", Path.home() / ".cache" / "reviewlint-tests"))

# reviewlint's own persistent cache: never the user's during tests (subprocesses inherit this).
os.environ.setdefault("REVIEWLINT_CACHE_DIR", tempfile.mkdtemp(prefix="reviewlint-test-cache-"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The `fuzz` tests (long) run only when `-m` names them, as in `pytest -m fuzz`."""
    if "fuzz" in (config.getoption("markexpr") or ""):
        return
    skipped = [item for item in items if item.get_closest_marker("fuzz") is not None]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = [item for item in items if item.get_closest_marker("fuzz") is None]


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run `python -m reviewlint` as a user would; text mode, never raises."""
    return subprocess.run([sys.executable, "-m", "reviewlint", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=600)


Command = Callable[..., Any]  # run_cli's signature: (*args, cwd=None, stdin=None) -> returncode, stdout, stderr


@pytest.fixture(params=["main", pytest.param("binary", marks=pytest.mark.slow)])
def command(request: pytest.FixtureRequest) -> Command:
    """`reviewlint ARGS` for a test of the command itself, called as `run_cli` is.

    Twice: its `main` in this process (the fast loop: `-m "not slow"`), and
    the real binary in a process (marked `slow`; the full suite and CI run both).
    """
    if request.param == "binary":
        return run_cli
    from harness import cli

    def in_process(*args: str, cwd: Path | None = None, stdin: str | None = None) -> Any:
        return cli(cwd if cwd is not None else Path.cwd(), *args, stdin=stdin)
    return in_process


@pytest.fixture(params=["main", pytest.param("binary", marks=pytest.mark.slow)])
def flake8(request: pytest.FixtureRequest) -> Command:
    """`flake8 --isolated ARGS` with our plugin, called as `run_flake8` is: as `command`, its `main`
    in this process (serial) in the fast loop, and the real binary under `slow`."""
    if request.param == "binary":
        return run_flake8
    from harness import flake8_main

    def in_process(*args: str, cwd: Path | None = None, stdin: str | None = None) -> Any:
        return flake8_main(cwd if cwd is not None else Path.cwd(), *args, stdin=stdin)
    return in_process


def run_flake8(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run the real flake8 binary (with our plugin installed)."""
    return subprocess.run([sys.executable, "-m", "flake8", "--isolated", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=1200)


def findings_of(output: str) -> list[tuple[str, int, str]]:
    """(path, line, code) triples from flake8-format output lines."""
    rows = []
    for line in output.splitlines():
        path, lineno, _col, rest = line.split(":", 3)
        rows.append((path.removeprefix("./"), int(lineno), rest.split()[0]))
    return rows


def expected_of(path: Path) -> list[tuple[str, int, str]]:
    """(path, line, code) triples from an expected file: `path:line CODE` per line, # comments."""
    rows = []
    for raw in path.read_text().splitlines():
        raw = raw.split("#", 1)[0].strip()
        if raw:
            where, code = raw.split()
            file, line = where.rsplit(":", 1)
            rows.append((file, int(line), code))
    return sorted(rows)


def case_dirs(family: str) -> list[Path]:
    """The case projects of a family: `cases/rvl1` itself or its subdirectories, each with an expected.txt."""
    base = CASES / family
    if (base / "expected.txt").is_file():
        return [base]
    return sorted(p for p in base.iterdir() if (p / "expected.txt").is_file()) if base.is_dir() else []


def _download(dist: str, version: str, binary: bool) -> Path:
    """A release archive (wheel, or sdist when not `binary`) in the test cache, downloaded once.

    Uses pip (the package registry's ordinary client); skips the test when
    the registry cannot be reached, or fails it when REVIEWLINT_REQUIRE_REAL_TREES
    is set (as .ci/run does).
    """
    folder = CACHE / ("wheels" if binary else "sdists")
    folder.mkdir(parents=True, exist_ok=True)
    # Older sdists keep the dash (openstack-placement-1.0.0.tar.gz), newer ones normalise it.
    pattern = f"{dist.replace('-', '[-_]')}-{version}" + ("-*.whl" if binary else ".tar.gz")
    found = list(folder.glob(pattern))
    if not found:
        kind = ["--only-binary=:all:"] if binary else ["--no-binary", ":all:"]
        result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", *kind,
                                 "-q", "-d", str(folder), f"{dist}=={version}"], capture_output=True, text=True)
        found = list(folder.glob(pattern))
        if result.returncode != 0 or not found:
            reason = f"cannot download {dist}=={version}: {result.stderr.strip()[-200:]}"
            if os.environ.get("REVIEWLINT_REQUIRE_REAL_TREES"):  # CI: a skip would prove nothing
                pytest.fail(reason)
            pytest.skip(reason)
    return found[0]


def real_tree(dist: str, version: str) -> Path:
    """An unpacked wheel of a real OpenStack release (code only), downloaded once into the test cache."""
    target = CACHE / "trees" / f"{dist}-{version}"
    if (target / ".complete").exists():
        return target
    wheel = _download(dist, version, binary=True)
    if target.exists():
        shutil.rmtree(target)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    (target / ".complete").write_text("")
    return target


def real_source_tree(dist: str, version: str) -> Path:
    """The unpacked sdist of a real release: the source tree with `api-ref/`, `tox.ini`, `releasenotes/`.

    The archive's single top directory is the returned root (it holds `setup.cfg`).
    """
    target = CACHE / "sources" / f"{dist}-{version}"
    if (target / ".complete").exists():
        return next(p for p in target.iterdir() if p.is_dir())
    archive_path = _download(dist, version, binary=False)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    with tarfile.open(archive_path) as archive:
        archive.extractall(target, filter="data")
    (target / ".complete").write_text("")
    return next(p for p in target.iterdir() if p.is_dir())


def tool_venv(name: str, requirements: list[str], constraints: list[str] = ()) -> Path:  # type: ignore[assignment]
    """The python of a venv in the test cache holding `requirements` and reviewlint's dependencies.

    Built once per (requirements, constraints, Python, reviewlint's setup.cfg)
    under a lock. reviewlint itself is installed there too, but its code is
    taken from this checkout at run time (`run_in_venv` puts it first on
    PYTHONPATH), so the venv survives edits to the code.
    """
    import fcntl
    import hashlib

    key = hashlib.sha256("\0".join([name, *requirements, "--", *constraints, sys.version,
                                    (REPO / "setup.cfg").read_text()]).encode()).hexdigest()[:12]
    folder = CACHE / "venvs"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}-{key}"
    python = target / "bin" / "python"
    with open(folder / f".{name}-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".complete").exists():
            shutil.rmtree(target, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
            pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
            extra: list[str] = []
            if constraints:
                (target / "constraints.txt").write_text("\n".join(constraints) + "\n")
                extra = ["-c", str(target / "constraints.txt")]
            result = subprocess.run([*pip, *extra, *requirements, str(REPO)], capture_output=True, text=True)
            if result.returncode != 0:
                reason = f"cannot build the {name} venv: {result.stderr.strip()[-400:]}"
                if os.environ.get("REVIEWLINT_REQUIRE_REAL_TREES"):
                    pytest.fail(reason)
                pytest.skip(reason)
            (target / ".complete").write_text("")
    return python


def run_in_venv(python: Path, *args: str, cwd: Path | None = None, stdin: str | None = None,
                timeout: float = 1200) -> subprocess.CompletedProcess:
    """`python ARGS` in a tool venv, with this checkout's reviewlint first on the path."""
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.run([str(python), *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=timeout, env=env)
