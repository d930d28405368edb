"""`python -m reviewlint` runs the command-line interface."""

from reviewlint.app.cli import main

raise SystemExit(main())
