"""Reading source files as text: encoding checks shared by every reader."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError


def read_text(path: Path, display: str) -> str:
    """Read a UTF-8 text file (a BOM is allowed); CRLF/CR become LF, form feeds and vertical
    tabs (page and line breaks of text taken from PDF or Word) spaces.

    Empty files, binary files (NUL bytes) and files in another encoding are errors that name
    the line and column of the first bad byte.
    """
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise InputError("file is empty", display, hint="expected a UTF-8 text file with content")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("the file is UTF-16 text, not UTF-8", display, 1,
                         hint="save the file as UTF-8")
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
        line_start = data.rfind(b"\n", 0, e.start) + 1
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - line_start + 1
        if e.reason == "unexpected end of data":
            raise InputError(
                f"the file ends in the middle of a UTF-8 character (byte 0x{data[e.start]:02x})",
                display, line, col, hint="is the file truncated?",
            ) from None
        guess = ""
        try:
            line_end = data.find(b"\n", e.start)
            stop = e.start + 10 if line_end < 0 else min(e.start + 10, line_end)
            sample = data[max(line_start, e.start - 10): stop].decode("cp1252")
            guess = f"; it looks like Windows-1252 ('{sample.strip()}')"
        except UnicodeDecodeError:
            pass
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[e.start]:02x}){guess}",
            display, line, col,
            hint="save the file as UTF-8",
        ) from None
    text = text.translate(PAGE_BREAKS)
    if m := CONTROL.search(text):
        line = text.count("\n", 0, m.start()) + 1
        col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        raise InputError(
            f"control character U+{ord(m.group()):04X} in text", display, line, col,
            hint="only tabs and line breaks are allowed; remove it",
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


PAGE_BREAKS = {0x0B: " ", 0x0C: " "}  # vertical tab, form feed (text from PDF or Word)
# Characters RDF/XML (XML 1.0) and strict Turtle parsers cannot carry: C0 controls other than
# tab, LF and CR (NUL is reported as binary content) and the non-characters U+FFFE/U+FFFF.
CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def display_path(path: Path, root: Path | None) -> str:
    """Path as shown in messages: relative to the data folder's parent when possible."""
    p = path.resolve()
    for base in ([root.resolve().parent, root.resolve()] if root else []) + [Path.cwd()]:
        try:
            return str(p.relative_to(base))
        except ValueError:
            continue
    return str(path)
