#!/usr/bin/env python3
"""Benchmark reviewlint against flake8 on real OpenStack trees.

Downloads the wheels with pip (cached), unpacks them, runs each command
several times and prints the median wall time of each and the ratios the
project promises:

* `reviewlint .` on openstack-placement 16.0.0 against
  `flake8 --select E,W,F -j1 .` on the same tree (target: <= 1.0x);
* `flake8 -j1 .` on nova 34.0.0 with the reviewlint plugin installed against
  the same flake8 without it (target: <= 1.10x);
* in-process, reading placement's gabbi files and judging every gate's
  coverage (target: well under a second).

Usage: python bench/run.py [--runs N] [--nova-runs N] [--cache DIR]
Run it from a virtualenv that has reviewlint installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path

DEFAULT_CACHE = Path(os.environ.get("REVIEWLINT_TEST_CACHE", Path.home() / ".cache" / "reviewlint-tests"))


def tree(cache: Path, dist: str, version: str) -> Path:
    """Download (once) and unpack (once) a release wheel; return its root."""
    target = cache / "trees" / f"{dist}-{version}"
    if (target / ".complete").exists():
        return target
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    pattern = f"{dist.replace('-', '_')}-{version}-*.whl"
    if not list(wheels.glob(pattern)):
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
                        "-d", str(wheels), f"{dist}=={version}"], check=True)
    if target.exists():
        shutil.rmtree(target)
    with zipfile.ZipFile(next(wheels.glob(pattern))) as archive:
        archive.extractall(target)
    (target / ".complete").write_text("")
    return target


def flake8_without_plugin(cache: Path) -> Path:
    """A virtualenv holding the same flake8 as ours, without reviewlint."""
    import flake8

    home = cache / f"venv-flake8-{flake8.__version__}"
    python = home / "bin" / "python"
    if not python.exists():
        venv.create(home, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"flake8=={flake8.__version__}"], check=True)
    return python


def median_times(commands: list[list[str]], cwd: Path, runs: int) -> list[float]:
    """Median wall time of each command over `runs` rounds (after a warm-up round, not counted).

    The commands take turns within each round, so a slow spell of the
    machine weighs on all of them alike rather than on whichever ran then.
    """
    times: list[list[float]] = [[] for _ in commands]
    for attempt in range(runs + 1):
        for command, series in zip(commands, times):
            start = time.perf_counter()
            subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if attempt:
                series.append(time.perf_counter() - start)
    return [statistics.median(series) for series in times]


def gabbi_and_coverage_time(root: Path, runs: int) -> float:
    """Median time of reading the gabbi files and judging every gate, on a model already built."""
    from reviewlint.config import load_config
    from reviewlint.gabbi import functional_tests
    from reviewlint.gates import project_gates
    from reviewlint.project import Project
    from reviewlint.routes import route_table
    from reviewlint.rules.microversions import judge
    from reviewlint.versions import history_document, service_versions

    times = []
    for _ in range(runs):
        project = Project(root, load_config(root))
        route_table(project), service_versions(project), history_document(project), project_gates(project)
        start = time.perf_counter()
        functional_tests(project)
        judge(project)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    """Run the benchmark and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per placement command (default 5)")
    parser.add_argument("--nova-runs", type=int, default=3, help="timed runs per nova command (default 3)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()

    placement = tree(args.cache, "openstack-placement", "16.0.0")
    nova = tree(args.cache, "nova", "34.0.0")
    bare = flake8_without_plugin(args.cache)
    bindir = Path(sys.executable).parent
    reviewlint = [str(bindir / "reviewlint"), "."]
    on_placement = median_times(
        [reviewlint, [sys.executable, "-m", "flake8", "--select", "E,W,F", "-j1", "."]], placement, args.runs)
    on_nova = median_times(
        [[sys.executable, "-m", "flake8", "-j1", "."], [str(bare), "-m", "flake8", "-j1", "."]], nova, args.nova_runs)
    rows = [
        ("placement 16.0.0", "reviewlint .", on_placement[0]),
        ("placement 16.0.0", "flake8 --select E,W,F -j1 .", on_placement[1]),
        ("nova 34.0.0", "flake8 -j1 . (with reviewlint)", on_nova[0]),
        ("nova 34.0.0", "flake8 -j1 . (without reviewlint)", on_nova[1]),
        ("placement 16.0.0", "gabbi reader + RVL4xx coverage", gabbi_and_coverage_time(placement, args.runs)),
    ]
    print(f"{'tree':<18} {'command':<36} {'median s':>9}")
    for name, command, seconds in rows:
        print(f"{name:<18} {command:<36} {seconds:>9.2f}")
    print(f"reviewlint / flake8 --select E,W,F on placement: {rows[0][2] / rows[1][2]:.2f}x (target <= 1.00x)")
    print(f"flake8 with / without the plugin on nova:        {rows[2][2] / rows[3][2]:.2f}x (target <= 1.10x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
