"""`python -m reviewlint` runs the command-line interface."""

from reviewlint.cli import main

raise SystemExit(main())
