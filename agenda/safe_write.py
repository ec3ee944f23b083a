"""Every file agenda writes goes through here: outputs never replace inputs, and never half-written.

- `check_outputs` refuses an output that is one of the inputs (by path, symlink or hard link),
  lies inside a corpus folder being read, or is named twice.
- `Replacement` writes each file to a temporary in the target folder, fsyncs it, and renames it
  into place only when every file of the group is written: a CSV and its OUT.meta.json are one
  group, renamed companion first and table last, with Ctrl-C held back between the renames. Any
  OSError (a full disk, a read-only folder, a quota) becomes one AgendaError naming the file and
  the reason, and no temporary remains.
- Temporaries are named `.OUT.agenda-PID-XXXXXXXX.tmp` (`.parts` for a folder of Parquet parts),
  so that the next run writing OUT removes those of a process that is no longer running (one
  killed with SIGKILL) and says so on stderr.
- `interrupt` is what the command line does on Ctrl-C: remove this process's temporaries and
  say whether anything had been written before.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from agenda.errors import AgendaError

MARK = ".agenda-"
_STALE = re.compile(r"\.agenda-(\d+)-[0-9a-f]{8}\.(?:tmp|parts)")
_OS_ERROR = re.compile(r"os error (\d+)")

_temporaries: set[Path] = set()  # of this process, removed on Ctrl-C
written: list[str] = []  # files renamed into place by this process, in order
SHOWN_WRITTEN = 4  # files named in the interruption's message; more are counted
_elsewhere: list[Callable[[], str | None]] = []  # say what other processes wrote for this one
_held = {"depth": 0, "pending": False}  # Ctrl-C held back while a group is being renamed


def temporary_name(path: Path, kind: str = "tmp") -> Path:
    """A temporary beside `path` that names this process: `.NAME.agenda-PID-XXXXXXXX.KIND`."""
    return path.with_name(f".{path.name}{MARK}{os.getpid()}-{secrets.token_hex(4)}.{kind}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale(path: Path) -> list[Path]:
    """Remove the temporaries of `path` left by runs that are no longer running; say so on stderr."""
    removed = remove_stale_in(path.parent, f".{path.name}")
    for stale, pid in removed:
        sys.stderr.write(f"agenda: removed {stale}, left by an interrupted run (process {pid})\n")
    return [stale for stale, _ in removed]


def remove_stale_in(folder: Path, name: str = "") -> list[tuple[Path, int]]:
    """Remove the temporaries in folder (of files whose names start with name) whose process has ended.

    Returns each one removed with the number of the process that left it.
    """
    removed = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(name) and MARK in n]
    except OSError:
        return removed
    for found in names:
        match = _STALE.fullmatch(found[found.rindex(MARK) :])
        if not match or int(match[1]) == os.getpid() or _alive(int(match[1])):
            continue
        stale = folder / found
        try:
            shutil.rmtree(stale) if stale.is_dir() and not stale.is_symlink() else stale.unlink()
        except OSError:
            continue
        removed.append((stale, int(match[1])))
    return removed


def reason(exc: BaseException) -> str | None:
    """The operating system's reason in an OSError, or in a polars error wrapping one; else None."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return os.strerror(exc.errno)
    found = _OS_ERROR.search(str(exc))
    if found:
        return os.strerror(int(found[1]))
    if isinstance(exc, OSError):
        return str(exc) or type(exc).__name__
    return None


@contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """Turn an operating-system error inside the block into one AgendaError naming `path`."""
    try:
        yield
    except AgendaError:
        raise
    except Exception as exc:
        why = reason(exc)
        if why is None:
            raise
        raise AgendaError(f"{path}: cannot write: {why}") from None


class Replacement:
    """A group of files written to temporaries and renamed into place together when the block succeeds.

    >>> with Replacement() as group:
    ...     group.write("out.csv", lambda tmp: table.write_csv(tmp))
    ...     group.write("out.csv.meta.json", lambda tmp: tmp.write_text(meta))
    The files are renamed in the reverse order of their creation, so the first (the table) comes
    last. Leaving the block with an error removes every temporary and leaves existing files as they were.
    """

    def __init__(self) -> None:
        self._files: list[tuple[Path, Path]] = []  # (temporary, destination)
        self._folders: list[Path] = []

    def __enter__(self) -> Replacement:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        try:
            if kind is None:
                self.commit()
        finally:
            self.discard()

    def temporary(self, path: str | Path) -> Path:
        """An empty temporary file beside `path`, renamed onto it at commit."""
        path = Path(path)
        _need_folder(path)
        remove_stale(path)
        tmp = temporary_name(path)
        with writing(path):
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask applies
        _temporaries.add(tmp)
        self._files.append((tmp, path))
        return tmp

    def folder(self, path: str | Path) -> Path:
        """A temporary folder beside `path` (Parquet parts), removed when the group ends."""
        path = Path(path)
        _need_folder(path)
        remove_stale(path)
        tmp = temporary_name(path, "parts")
        with writing(path):
            tmp.mkdir()
        _temporaries.add(tmp)
        self._folders.append(tmp)
        return tmp

    def write(self, path: str | Path, write: Callable[[Path], None]) -> None:
        """Call write(tmp) for a new temporary of `path`, with its errors naming `path`."""
        tmp = self.temporary(path)
        with writing(path):
            write(tmp)

    def commit(self) -> None:
        """fsync every temporary, then rename them into place, the first created last."""
        for tmp, path in self._files:
            with writing(path):
                _fsync(tmp)
        with hold_interrupt():
            for tmp, path in reversed(self._files):
                with writing(path):
                    os.replace(tmp, path)
                _temporaries.discard(tmp)
                written.append(str(path))
            for folder in dict.fromkeys(path.parent for _, path in self._files):
                _fsync(folder, strict=False)
        self._files = []

    def discard(self) -> None:
        """Remove what is left of the temporaries (all of them unless committed)."""
        for tmp, _ in self._files:
            _remove(tmp)
        for folder in self._folders:
            _remove(folder)
        self._files, self._folders = [], []


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp) and move tmp onto path: one file replaced as a group of one."""
    with Replacement() as group:
        group.write(path, write)


def _need_folder(path: Path) -> None:
    if not path.parent.is_dir():
        raise AgendaError(f"{path}: folder {path.parent} does not exist")


def _fsync(path: Path, strict: bool = True) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        if strict and exc.errno not in (errno.EINVAL, errno.ENOTSUP):  # some file systems cannot fsync
            raise


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif os.path.lexists(path):
            path.unlink()
    except OSError:
        pass
    _temporaries.discard(path)


@contextmanager
def hold_interrupt() -> Iterator[None]:
    """Hold Ctrl-C back (in the command line) until the block ends, so a group is renamed whole."""
    _held["depth"] += 1
    try:
        yield
    finally:
        _held["depth"] -= 1
    if _held["depth"] == 0 and _held["pending"]:
        _held["pending"] = False
        interrupt(signal.SIGINT, None)


@contextmanager
def writing_elsewhere(report: Callable[[], str | None]) -> Iterator[None]:
    """While the block runs, other processes write for this one (Dask's workers): an interruption
    asks report() what they have written (None: nothing) and says so."""
    _elsewhere.append(report)
    try:
        yield
    finally:
        _elsewhere.remove(report)


def interrupt(signum: int, frame) -> None:
    """The command line's SIGINT handler: remove the temporaries, say what was written, exit 130.

    It exits at once (os._exit) rather than unwinding, so that nothing half-finished runs on:
    no generator is closed under a second interrupt, no native thread is left to abort.
    """
    if _held["depth"]:
        _held["pending"] = True
        return
    for tmp in list(_temporaries):
        _remove(tmp)
    try:
        sys.stdout.flush()  # what was printed stays printed
    except (OSError, ValueError):
        pass
    more = len(written) - SHOWN_WRITTEN
    listed = written if more <= 0 else [*written[: SHOWN_WRITTEN - 1], f"{more + 1} more, the last {written[-1]}"]
    listed += [line for line in (report() for report in _elsewhere) if line]
    if listed:
        sys.stderr.write(f"agenda: interrupted; written before the interruption: {', '.join(listed)}\n")
    else:
        sys.stderr.write("agenda: interrupted; no output was written\n")
    sys.stderr.flush()
    os._exit(130)


def check_outputs(outputs: Iterable[str | Path | None], inputs: Iterable[str | Path | None]) -> None:
    """Refuse outputs that would replace an input or lie in a corpus folder being read, or repeat.

    Outputs include the files written beside them (OUT.meta.json); "-" (stdout) and None are
    skipped. An input is compared by its resolved path and by inode (hard links); a folder input
    refuses every output inside it, its metadata.csv included.
    """
    ins = [Path(p) for p in inputs if p is not None and str(p) != "-"]
    outs = [Path(p) for p in outputs if p is not None and str(p) != "-"]
    seen: dict[str, Path] = {}
    for out in outs:
        real = os.path.realpath(out)
        if real in seen:
            raise AgendaError(f"{out}: named twice as an output (also as {seen[real]})")
        seen[real] = out
        stat = _stat(out)
        for given in ins:
            source = os.path.realpath(given)
            inside = os.path.isdir(source) and os.path.commonpath([source, real]) == source
            if inside:
                raise AgendaError(f"{out}: the output would lie inside the corpus folder {given}, which is read")
            if real == source:
                also = "" if os.path.abspath(given) == os.path.abspath(out) else f" ({given})"
                raise AgendaError(f"{out}: the output would replace an input{also}; write to another file")
            if stat is None:
                continue
            if _same(stat, _stat(given)):
                raise AgendaError(f"{out}: the output is the input {given} under another name (a link)")
            if stat.st_nlink > 1 and os.path.isdir(source):
                linked = _linked_file(stat, Path(source))
                if linked is not None:
                    raise AgendaError(f"{out}: the output is the corpus file {linked} under another name (a link)")


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _same(a: os.stat_result | None, b: os.stat_result | None) -> bool:
    return a is not None and b is not None and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _linked_file(stat: os.stat_result, folder: Path) -> Path | None:
    """The file under `folder` that is the same file as `stat` (a hard link), if any."""
    for root, _, files in os.walk(folder):
        for name in files:
            if _same(stat, _stat(Path(root) / name)):
                return Path(root) / name
    return None
