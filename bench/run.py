#!/usr/bin/env python3
"""Benchmark reviewlint against flake8 on real OpenStack trees.

Downloads the wheels with pip (cached), unpacks them, runs each command
several times and prints the median wall time of each and the ratios the
project promises:

* `reviewlint .` on openstack-placement 16.0.0 against
  `flake8 --select E,W,F -j1 .` on the same tree (target: <= 1.0x);
* `flake8 -j1 .` on nova 34.0.0 with the reviewlint plugin installed against
  the same flake8 without it (target: <= 1.10x).

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


def median_time(command: list[str], cwd: Path, runs: int) -> float:
    """Median wall time of `runs` runs (one warm-up run first, not counted)."""
    times = []
    for attempt in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if attempt:
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
    rows = [
        ("placement 16.0.0", "reviewlint .", median_time(reviewlint, placement, args.runs)),
        ("placement 16.0.0", "flake8 --select E,W,F -j1 .",
         median_time([sys.executable, "-m", "flake8", "--select", "E,W,F", "-j1", "."], placement, args.runs)),
        ("nova 34.0.0", "flake8 -j1 . (with reviewlint)",
         median_time([sys.executable, "-m", "flake8", "-j1", "."], nova, args.nova_runs)),
        ("nova 34.0.0", "flake8 -j1 . (without reviewlint)",
         median_time([str(bare), "-m", "flake8", "-j1", "."], nova, args.nova_runs)),
    ]
    print(f"{'tree':<18} {'command':<36} {'median s':>9}")
    for name, command, seconds in rows:
        print(f"{name:<18} {command:<36} {seconds:>9.2f}")
    print(f"reviewlint / flake8 --select E,W,F on placement: {rows[0][2] / rows[1][2]:.2f}x (target <= 1.00x)")
    print(f"flake8 with / without the plugin on nova:        {rows[2][2] / rows[3][2]:.2f}x (target <= 1.10x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
