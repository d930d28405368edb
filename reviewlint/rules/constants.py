"""RVL3xx: documentation of constants and shared functions."""

from __future__ import annotations

from reviewlint.rules.base import Rule

RULES: tuple[type[Rule], ...] = ()
