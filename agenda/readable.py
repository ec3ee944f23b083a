"""Input paths: what agenda may read, checked before anything is opened.

A FIFO, a device or a socket given as a codebook, corpus or dictionary would block a read (or
never end); such paths are refused with one line before they are opened. File names that are
not valid UTF-8 are turned into text by one documented rule, `display_name`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from agenda.errors import AgendaError


def regular_file(path: Path, what: str = "file") -> Path:
    """The path, if it is a regular file (or a link to one); otherwise an AgendaError naming it."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise AgendaError(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise AgendaError(f"{path}: cannot read: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise AgendaError(f"{path}: is a folder, not a {what}")
    if not stat.S_ISREG(mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a device or socket"
        raise AgendaError(f"{path}: is {kind}, not a regular {what}; agenda reads regular files and folders only")
    return path


def display_name(name: str) -> str:
    """A file name as text: bytes that are not valid UTF-8 become `\\xNN` (Python's backslashreplace).

    On POSIX systems Python keeps such bytes as lone surrogates, which no table can hold; a latin-1
    `café.txt` (bytes `caf\\xe9.txt`) becomes the doc_id `caf\\xe9` (a backslash, x, e, 9).
    """
    return os.fsencode(name).decode("utf-8", "backslashreplace")
