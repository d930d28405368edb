"""tox.ini: the environments OpenStack developers expect, running what CI and the README run."""

from __future__ import annotations

import configparser

from conftest import REPO


def _tox() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO / "tox.ini")
    return parser


def test_py3_pep8_and_cover_are_there() -> None:
    tox = _tox()
    assert tox["tox"]["envlist"].split(",") == ["py3", "pep8"]
    assert {"testenv", "testenv:pep8", "testenv:cover"} <= set(tox.sections())
    assert tox["testenv"]["extras"] == "test"
    assert tox["testenv"]["commands"].split() == ["python", "-m", "pytest", "{posargs}"]


def test_pep8_runs_what_ci_runs_on_our_code() -> None:
    commands = [line.strip() for line in _tox()["testenv:pep8"]["commands"].strip().splitlines()]
    assert commands == ["python -m flake8 reviewlint tests bench", "python -m mypy reviewlint",
                        "lint-imports --no-cache"]
    ci = (REPO / ".ci" / "run").read_text()
    for command in commands[:2]:
        assert f".venv/bin/{command}" in ci, command


def test_ci_runs_the_readmes_commands() -> None:
    readme = (REPO / "README.md").read_text()
    setup = readme.split("## Set up and try it\n", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert setup[1] == ".venv/bin/python -m pytest"
    ci = (REPO / ".ci" / "run").read_text()
    assert ".venv/bin/python -m pytest -q\n" in ci  # the same command (quiet), with real trees required
    assert ".venv/bin/python -m pip install -q '.[test]'" in ci
    assert ".venv/bin/reviewlint reviewlint/fixtures/example" in ci
