"""Reading files the way a linter must: never trusting the bytes."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

from reviewlint.findings import ReviewlintError


class UnreadableSource(Exception):
    """The file cannot be read or decoded; the message is one line for RVL900."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def decode_source(data: bytes, path: str) -> str:
    """Decode Python source bytes honouring PEP 263 coding cookies."""
    if b"\x00" in data:
        raise UnreadableSource("file is binary (contains NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        # A bad cookie, or bytes that are not UTF-8 in the first two lines:
        # decoding as UTF-8 names the offending byte when there is one.
        encoding, cookie_error = "utf-8", str(exc)
    else:
        cookie_error = ""
    try:
        text = data.decode(encoding)
        if cookie_error:
            raise UnreadableSource(f"cannot decode: {cookie_error}")
        return text
    except (UnicodeDecodeError, LookupError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        line = data[: exc.start].count(b"\n") + 1 if isinstance(exc, UnicodeDecodeError) else 1
        raise UnreadableSource(f"cannot decode as {encoding}: {reason}", line) from None


def read_source(path: Path) -> str:
    """Read and decode a source file; UnreadableSource with a one-line reason."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableSource(f"cannot read: {exc.strerror or exc}") from None
    return decode_source(data, str(path))


def read_text_file(path: Path) -> str:
    """Read a UTF-8 text file (YAML, reStructuredText) or raise ReviewlintError."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewlintError(f"{path}: cannot read: {exc}") from None
