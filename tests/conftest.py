"""Shared test helpers: the real CLI, the real flake8, fixture cases and real trees."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "reviewlint" / "fixtures"
EXAMPLE = FIXTURES / "example"
CASES = FIXTURES / "cases"
CACHE = Path(os.environ.get("REVIEWLINT_TEST_CACHE", Path.home() / ".cache" / "reviewlint-tests"))


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run `python -m reviewlint` as a user would; text mode, never raises."""
    return subprocess.run([sys.executable, "-m", "reviewlint", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=600)


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


def real_tree(dist: str, version: str) -> Path:
    """An unpacked wheel of a real OpenStack release, downloaded once into the test cache.

    Uses pip (the package registry's ordinary client); skips the test when
    the registry cannot be reached, or fails it when REVIEWLINT_REQUIRE_REAL_TREES
    is set (as .ci/run does).
    """
    target = CACHE / "trees" / f"{dist}-{version}"
    if (target / ".complete").exists():
        return target
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    found = list(wheels.glob(f"{dist.replace('-', '_')}-{version}-*.whl"))
    if not found:
        result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                                 "-q", "-d", str(wheels), f"{dist}=={version}"], capture_output=True, text=True)
        found = list(wheels.glob(f"{dist.replace('-', '_')}-{version}-*.whl"))
        if result.returncode != 0 or not found:
            reason = f"cannot download {dist}=={version}: {result.stderr.strip()[-200:]}"
            if os.environ.get("REVIEWLINT_REQUIRE_REAL_TREES"):  # CI: a skip would prove nothing
                pytest.fail(reason)
            pytest.skip(reason)
    if target.exists():
        shutil.rmtree(target)
    with zipfile.ZipFile(found[0]) as archive:
        archive.extractall(target)
    (target / ".complete").write_text("")
    return target
