"""bench/run.py says when its numbers would not be an installed reviewlint's."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

import reviewlint

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def load_bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_run", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_reviewlint_from_the_checkout_is_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_bench(monkeypatch)
    monkeypatch.setattr(reviewlint, "__file__", str(BENCH.parent.parent / "reviewlint" / "__init__.py"))
    assert "imported from the checkout" in bench.installation_warning()


def test_an_installed_reviewlint_is_not(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bench = load_bench(monkeypatch)
    monkeypatch.setattr(reviewlint, "__file__", str(tmp_path / "site-packages" / "reviewlint" / "__init__.py"))
    assert bench.installation_warning() is None
