"""What gets shipped: a complete sdist, a wheel with the code only, clean metadata."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(sdist, wheel, build log), built from this checkout as `python -m build` does."""
    out = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return next(out.glob("*.tar.gz")), next(out.glob("*.whl")), result.stdout + result.stderr


def test_the_build_warns_about_nothing(dists: tuple[Path, Path, str]) -> None:
    # Before: 78 "package would be ignored" warnings for the fixtures.
    log = dists[2]
    assert [line for line in log.splitlines() if "warning" in line.lower() or "would be ignored" in line] == []


def test_the_sdist_is_the_whole_project(dists: tuple[Path, Path, str]) -> None:
    with tarfile.open(dists[0]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"LICENSE", "README.md", ".pre-commit-hooks.yaml", "tox.ini", "docs/rules.md", "docs/real-world.md",
            "docs/reviewlint-json-v1.schema.json", "tests/conftest.py",
            "reviewlint/fixtures/example/setup.cfg"} <= names


def test_the_wheel_holds_the_code_and_the_license_only(dists: tuple[Path, Path, str]) -> None:
    with zipfile.ZipFile(dists[1]) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert not [n for n in names if "/fixtures/" in n]  # before: 192 fixture files
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: Apache-2.0" in metadata
    assert "\nLicense: " not in metadata  # the legacy field is gone
    classifiers = [line for line in metadata.splitlines() if line.startswith("Classifier: ")]
    assert "Classifier: Framework :: Flake8" in classifiers
    assert "Classifier: Programming Language :: Python :: 3.10" in classifiers
    assert len(classifiers) >= 10


def test_check_wheel_contents_and_twine_are_clean(dists: tuple[Path, Path, str]) -> None:
    sdist, wheel, _ = dists
    contents = subprocess.run([sys.executable, "-m", "check_wheel_contents", str(wheel)], capture_output=True,
                              text=True)
    assert contents.returncode == 0, contents.stdout + contents.stderr
    twine = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)],
                           capture_output=True, text=True)
    assert twine.returncode == 0, twine.stdout + twine.stderr


def test_the_installed_wheel_needs_no_fixtures(dists: tuple[Path, Path, str], tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                    str(dists[1])], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import reviewlint; print(reviewlint.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, env=env)
    assert where.stdout.startswith(str(target))
    result = subprocess.run([sys.executable, "-m", "reviewlint", str(REPO / "reviewlint" / "fixtures" / "example")],
                            cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 1 and result.stderr == ""
    assert len(result.stdout.splitlines()) >= 15
