"""RVL4xx: microversions and their tests."""

from __future__ import annotations

from reviewlint.rules.base import Rule

RULES: tuple[type[Rule], ...] = ()
