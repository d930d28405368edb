"""reviewlint: a reviewer's eye for Placement-style WSGI handler modules."""

__version__ = "0.1.0"

# Where the project lives; links to the rule docs (SARIF helpUri, README) start here.
REPOSITORY_URL = "https://github.com/reviewlint/reviewlint"
