"""Reading source files as text: encoding checks shared by every reader."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError


def read_text(path: Path, display: str) -> str:
    """Read a UTF-8 text file (a BOM is allowed); CRLF/CR become LF.

    Empty files, binary files (NUL bytes) and files in another encoding are errors that name
    the line and column of the first bad byte.
    """
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise InputError("file is empty", display, hint="expected a UTF-8 text file with content")
    if b"\x00" in data[:8192] or b"\x00" in data:
        offset = data.index(b"\x00")
        line = data.count(b"\n", 0, offset) + 1
        col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
        raise InputError(
            "binary content (NUL byte)", display, line, col,
            hint="expected a UTF-8 text file; is this the right file?",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        guess = ""
        try:
            sample = data[max(0, e.start - 10): e.start + 10].decode("cp1252")
            guess = f"; it looks like Windows-1252 ('{sample.strip()}')"
        except UnicodeDecodeError:
            pass
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[e.start]:02x}){guess}",
            display, line, col,
            hint="save the file as UTF-8",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def display_path(path: Path, root: Path | None) -> str:
    """Path as shown in messages: relative to the data folder's parent when possible."""
    p = path.resolve()
    for base in ([root.resolve().parent, root.resolve()] if root else []) + [Path.cwd()]:
        try:
            return str(p.relative_to(base))
        except ValueError:
            continue
    return str(path)
