"""Reading files the way a linter must: never trusting the bytes."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

from reviewlint.core.guard import DEFAULT_MAX_FILE_SIZE, UnreadableSource, read_bytes

__all__ = ["UnreadableSource", "decode_source", "read_source"]


def decode_source(data: bytes) -> str:
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


def read_source(path: Path, max_size: int = DEFAULT_MAX_FILE_SIZE) -> str:
    """Read and decode a source file of at most `max_size` bytes; UnreadableSource with a one-line reason."""
    return decode_source(read_bytes(path, max_size))
