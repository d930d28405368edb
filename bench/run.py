#!/usr/bin/env python3
"""Benchmark reviewlint where people use it, against plain flake8 and ruff, in one run.

Downloads the wheels with pip (cached), unpacks them, and times each pair of
commands alternately (a slow spell of the machine weighs on both), printing
the median wall time of each and the median of the rounds' ratios (each
round runs the pair back to back) against the target:

E1  editor, a file without a handler via stdin: `flake8 --stdin-display-name
    placement/exception.py -` with reviewlint / without (<= 1.15x, cold and warm)
E2  editor, a handler file via stdin whose text changed since the last run
    (<= 3.5x warm, <= 6x cold)
E3  commit hook: `reviewlint placement/handlers/trait.py` / `flake8 --select
    E,W,F placement/handlers/trait.py` (<= 1.5x warm)
E4  `flake8 -j1 .` on placement with reviewlint / without (<= 1.3x cold, <= 1.1x warm)
E5  `reviewlint .` on nova 34.0.0 / `ruff check --select E,W,F --no-cache .`
    (<= 3x cold, <= 1.5x warm)
E6  review a change: `reviewlint --baseline-commit HEAD~1` / `reviewlint .` on a git
    copy of the placement 16.0.0 source release whose head commit removes a gabbi
    test (<= 1.5x warm)

"Cold" empties reviewlint's cache directory before each timed run; "warm"
runs once untimed first. A pair under a second gets at least 21 rounds (a
shared VM's noise). Also, in-process: reading placement's gabbi files
and judging every gate (G), and the API reference family on the placement
16.0.0 source release: reading `api-ref/source/`, the route contracts from
the code and the RVL6xx judgement (R).

Usage: python bench/run.py [--runs N] [--cache DIR] [--only E1,E4,E6,G,R]
Run it from a virtualenv that has reviewlint installed (`pip install .`; it warns
when reviewlint comes from the checkout, as with an editable install).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

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


def source_tree(cache: Path, dist: str, version: str) -> Path:
    """Download (once) and unpack (once) a source release; return its top directory."""
    target = cache / "sources" / f"{dist}-{version}"
    if not (target / ".complete").exists():
        sdists = cache / "sdists"
        sdists.mkdir(parents=True, exist_ok=True)
        pattern = f"{dist.replace('-', '[-_]')}-{version}.tar.gz"
        if not list(sdists.glob(pattern)):
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q",
                            "-d", str(sdists), f"{dist}=={version}"], check=True)
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        with tarfile.open(next(sdists.glob(pattern))) as archive:
            archive.extractall(target, filter="data")
        (target / ".complete").write_text("")
    return next(p for p in target.iterdir() if p.is_dir())


def reviewed_change(source: Path, target: Path) -> Path:
    """A git copy of `source` whose head commit removes one gabbi test (E6's change under review: one RVL404)."""
    repo = target / source.name
    shutil.copytree(source, repo)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(["git", *argv], cwd=repo, env=env, check=True)
    usage = repo / "placement/tests/functional/gabbits/usage.yaml"
    test = ("- name: get total usages earlier version\n  GET: /usages?project_id=$ENVIRON['PROJECT_ID']\n"
            "  request_headers:\n      openstack-api-version: placement 1.8\n  status: 404\n\n")
    usage.write_text(usage.read_text().replace(test, "", 1))
    subprocess.run(["git", "commit", "-qam", "The change"], cwd=repo, env=env, check=True)
    return repo


def peers(cache: Path) -> Path:
    """A virtualenv holding the same flake8 as ours without reviewlint, and ruff: the bin directory."""
    import flake8

    home = cache / f"venv-peers-flake8-{flake8.__version__}"
    python = home / "bin" / "python"
    if not (home / "bin" / "ruff").exists():
        venv.create(home, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"flake8=={flake8.__version__}", "ruff"],
                       check=True)
    return home / "bin"


@dataclass
class Command:
    """One side of a comparison: what runs, where, with what on stdin, after what preparation."""

    argv: list[str]
    cwd: Path
    stdin: Callable[[], bytes] | None = None
    before: Callable[[], None] = lambda: None
    env: dict[str, str] = field(default_factory=dict)

    def run(self) -> float:
        self.before()
        data = self.stdin() if self.stdin is not None else None
        start = time.perf_counter()
        subprocess.run(self.argv, cwd=self.cwd, input=data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, **self.env})
        return time.perf_counter() - start


# A pair of commands under a second gets at least this many rounds: on a
# shared 2-core VM one round of a 0.3 s command varies by 15% or more.
QUICK_ROUNDS = 21


def compare(ours: Command, theirs: Command, runs: int, warm: bool) -> tuple[float, float, float]:
    """Median seconds of each command over `runs` alternating rounds (warm: after one untimed round),
    and the median of the rounds' ratios: a round runs the two back to back, so a drift of the
    machine's speed between rounds weighs on both sides of a ratio.

    Commands under a second run at least QUICK_ROUNDS rounds.
    """
    if warm:
        ours.run()
        theirs.run()
    mine: list[float] = []
    peer: list[float] = []

    def quick() -> bool:
        return max(statistics.median(mine), statistics.median(peer)) < 1.0

    while len(mine) < max(runs, 1) or (len(mine) < QUICK_ROUNDS and quick()):
        mine.append(ours.run())
        peer.append(theirs.run())
    return statistics.median(mine), statistics.median(peer), statistics.median(m / p for m, p in zip(mine, peer))


def gabbi_and_coverage_time(root: Path, runs: int) -> float:
    """Median time of reading the gabbi files and judging every gate, on a model already built."""
    from reviewlint.core.config import load_config
    from reviewlint.service.gabbi import functional_tests
    from reviewlint.analysis.summary import project_gates
    from reviewlint.model.project import Project
    from reviewlint.service.routes import route_table
    from reviewlint.rules.microversions import judge
    from reviewlint.service.versions import history_document, service_versions

    times = []
    for _ in range(runs):
        project = Project(root, load_config(root))
        route_table(project), service_versions(project), history_document(project), project_gates(project)
        start = time.perf_counter()
        functional_tests(project)
        judge(project)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def reference_family_time(root: Path, runs: int) -> float:
    """Median time of the RVL6xx family (reference, contracts, judgement) on a model already built, no cache."""
    from reviewlint.core.config import load_config
    from reviewlint.model.project import Project
    from reviewlint.service.routes import route_table
    from reviewlint.rules.apiref import judge
    from reviewlint.service.handlers import handler_refs
    from reviewlint.service.versions import service_versions

    times = []
    for _ in range(runs):
        project = Project(root, load_config(root))
        route_table(project), service_versions(project), handler_refs(project)
        start = time.perf_counter()
        judge(project)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def installation_warning() -> str | None:
    """Why this interpreter's numbers would not be an installed reviewlint's, if they would not."""
    import reviewlint

    package = Path(reviewlint.__file__).resolve().parent
    if package.parent == Path(__file__).resolve().parent.parent:
        # An editable install (or the checkout on sys.path): no compiled modules when
        # PYTHONDONTWRITEBYTECODE is set, and an import hook on every start.
        return (f"warning: reviewlint is imported from the checkout ({package}): start-up costs more than "
                f"an installed package's; for numbers comparable with README's, run from a venv made with "
                f"`pip install .`")
    return None


def main() -> int:
    """Run the benchmark and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--only", default="", help="comma-separated rows to run (E1..E6, G, R)")
    args = parser.parse_args()
    only = {row.strip().upper() for row in args.only.split(",") if row.strip()}
    warning = installation_warning()
    if warning:
        print(warning, file=sys.stderr)

    placement = tree(args.cache, "openstack-placement", "16.0.0")
    nova = tree(args.cache, "nova", "34.0.0")
    # The flake8 and ruff venv, only for rows that compare with them (E6 and G, R do not).
    bare = peers(args.cache) if not only or only - {"E6", "G", "R"} else Path(sys.executable).parent
    ours = Path(sys.executable).parent
    cache_dir = Path(tempfile.mkdtemp(prefix="reviewlint-bench-cache-"))
    env = {"REVIEWLINT_CACHE_DIR": str(cache_dir)}

    def empty_cache() -> None:
        shutil.rmtree(cache_dir, ignore_errors=True)

    exception = (placement / "placement/exception.py").read_bytes()
    trait = (placement / "placement/handlers/trait.py").read_bytes()
    edits = iter(range(10**6))

    def edited_trait() -> bytes:  # a new buffer each time, as an editor's save after a change
        return trait + f"# edit {next(edits)}\n".encode()

    def flake8(where: Path, *argv: str) -> list[str]:
        return [str(where / "python"), "-m", "flake8", *argv]

    stdin_exc = ["--stdin-display-name", "placement/exception.py", "-"]
    stdin_trait = ["--stdin-display-name", "placement/handlers/trait.py", "-"]
    rows: list[tuple[str, str, str, float, float, float, float]] = []

    def row(name: str, label: str, mine: Command, peer: Command, warm: bool, target: float) -> None:
        if only and name not in only:
            return
        ours_s, peer_s, ratio = compare(mine, peer, args.runs, warm)
        rows.append((name, "warm" if warm else "cold", label, ours_s, peer_s, ratio, target))

    for warm, e1 in ((False, 1.15), (True, 1.15)):
        row("E1", "flake8 stdin exception.py", Command(flake8(ours, *stdin_exc), placement, lambda: exception,
                                                       (lambda: None) if warm else empty_cache, env),
            Command(flake8(bare, *stdin_exc), placement, lambda: exception), warm, e1)
    for warm, e2 in ((False, 6.0), (True, 3.5)):
        if warm:  # the editor has linted the tree before: every other file is known
            subprocess.run([str(ours / "reviewlint"), "."], cwd=placement, env={**os.environ, **env},
                           stdout=subprocess.DEVNULL)
        row("E2", "flake8 stdin trait.py (edited)", Command(flake8(ours, *stdin_trait), placement, edited_trait,
                                                            (lambda: None) if warm else empty_cache, env),
            Command(flake8(bare, *stdin_trait), placement, edited_trait), warm, e2)
    row("E3", "reviewlint handlers/trait.py", Command([str(ours / "reviewlint"), "placement/handlers/trait.py"],
                                                      placement, env=env),
        Command(flake8(bare, "--select", "E,W,F", "placement/handlers/trait.py"), placement), True, 1.5)
    for warm, e4 in ((False, 1.3), (True, 1.1)):
        row("E4", "flake8 -j1 . (placement)", Command(flake8(ours, "-j1", "."), placement, None,
                                                      (lambda: None) if warm else empty_cache, env),
            Command(flake8(bare, "-j1", "."), placement), warm, e4)
    for warm, e5 in ((False, 3.0), (True, 1.5)):
        row("E5", "reviewlint . (nova) / ruff", Command([str(ours / "reviewlint"), "."], nova, None,
                                                        (lambda: None) if warm else empty_cache, env),
            Command([str(bare / "ruff"), "check", "--select", "E,W,F", "--no-cache", "--exit-zero", "."], nova),
            warm, e5)
    if not only or "E6" in only:
        scratch = Path(tempfile.mkdtemp(prefix="reviewlint-bench-review-"))
        try:
            repo = reviewed_change(source_tree(args.cache, "openstack-placement", "16.0.0"), scratch)
            row("E6", "--baseline-commit HEAD~1 / .", Command([str(ours / "reviewlint"), "--baseline-commit",
                                                               "HEAD~1"], repo, env=env),
                Command([str(ours / "reviewlint"), "."], repo, env=env), True, 1.5)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(cache_dir, ignore_errors=True)

    print(f"{'row':<4} {'cache':<5} {'command':<32} {'reviewlint s':>12} {'peer s':>8} {'ratio':>7} {'target':>7}")
    for name, state, label, ours_s, peer_s, ratio, target in rows:
        verdict = "ok" if ratio <= target else "OVER"
        print(f"{name:<4} {state:<5} {label:<32} {ours_s:>12.3f} {peer_s:>8.3f} {ratio:>6.2f}x {target:>6.2f}x "
              f"{verdict}")
    if not only or "G" in only:
        print(f"placement 16.0.0: gabbi reader + RVL4xx coverage in-process: "
              f"{gabbi_and_coverage_time(placement, args.runs):.3f} s")
    if not only or "R" in only:
        source = source_tree(args.cache, "openstack-placement", "16.0.0")
        print(f"placement 16.0.0 sdist: api-ref reader + route contracts + RVL6xx in-process: "
              f"{reference_family_time(source, args.runs):.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
