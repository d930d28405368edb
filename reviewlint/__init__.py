"""reviewlint: a reviewer's eye for Placement-style WSGI handler modules."""

__version__ = "0.1.0"
