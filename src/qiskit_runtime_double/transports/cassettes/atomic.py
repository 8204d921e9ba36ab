"""Writing a file so that a crash leaves either the old one or the new one, never half of one.

``atomic_write`` writes a temporary file beside the target (``.<name>.<8 random>.tmp``), flushes
it to disk, renames it over the target (``os.replace``, atomic on POSIX and Windows) and flushes
the directory, so the rename survives a power cut too. Only a process killed between creating the
temporary file and the rename (``kill -9``, a power cut) leaves that temporary file behind.

Such leftovers are removed by the next write of the same target: every temporary file named
like ours for that target, unless a live process is writing it right now. Concurrent writers
(pytest-xdist workers saving one cassette) must not delete each other's files, and a time
threshold would either leave fresh leftovers or race slow writers. So, on POSIX, a writer holds an
exclusive ``flock`` on its temporary file from creation until after the rename; the lock dies with
the process, ``kill -9`` included. The cleaner removes a file only while holding that lock
itself, so never one a live writer holds. A writer that lost the race between creating its file
and locking it (the cleaner got there first and removed it) sees its file unlinked and starts over
with a new one. On Windows, an open file cannot be deleted: removing a live writer's file fails,
and is skipped.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Final

__all__ = ["atomic_write", "remove_stale_temporaries", "temporary_pattern"]

#: ``tempfile.mkstemp`` names: prefix, 8 characters of this alphabet, suffix.
_RANDOM_PART: Final = r"[a-z0-9_]{8}"
_SUFFIX: Final = ".tmp"
#: How many times a writer starts over when a cleaner removed its fresh file (each needs a race).
_ATTEMPTS: Final = 5


def _prefix(path: Path) -> str:
    return f".{path.name}."


def temporary_pattern(path: Path) -> re.Pattern[str]:
    """The names of the temporary files a write of ``path`` uses (and may leave behind)."""
    return re.compile(re.escape(_prefix(path)) + _RANDOM_PART + re.escape(_SUFFIX))


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove temporary files left beside ``path`` by writes that died; return those removed.

    Files a live process is writing are kept (see the module docs); errors are ignored: a file
    that cannot be removed now will be tried again at the next write.
    """
    pattern = temporary_pattern(path)
    try:
        names = [name for name in os.listdir(path.parent) if pattern.fullmatch(name)]
    except OSError:
        return []
    removed: list[Path] = []
    for name in names:
        candidate = path.parent / name
        if _remove_if_abandoned(candidate):
            removed.append(candidate)
    return removed


if sys.platform == "win32":

    def _remove_if_abandoned(candidate: Path) -> bool:
        try:
            candidate.unlink()  # fails while a writer has it open
        except OSError:
            return False
        return True

    def _lock_fresh(fd: int) -> bool:
        return True  # nobody can delete a file this process holds open

else:
    import fcntl

    def _remove_if_abandoned(candidate: Path) -> bool:
        try:
            fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return False  # gone already (renamed by its writer), or not a plain file
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # a live writer holds it
            try:
                candidate.unlink()
            except OSError:
                return False
            return True
        finally:
            os.close(fd)  # also releases our lock

    def _lock_fresh(fd: int) -> bool:
        """Lock a new temporary file; False if a cleaner removed it before we could."""
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits only while a cleaner looks at it
        return os.fstat(fd).st_nlink > 0


def atomic_write(path: Path, data: bytes, *, mode: int) -> None:
    """Replace ``path`` by a file holding ``data`` with permissions ``mode``, atomically.

    Stale temporary files beside ``path`` are removed first (module docs). An exception
    mid-write leaves the previous file as it was, and removes this write's temporary file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = _locked_temporary(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # the data is on disk before the name points to it
            os.chmod(tmp, mode)
            os.replace(tmp, path)  # still locked: no cleaner can remove it before this
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_directory(path.parent)


def _locked_temporary(path: Path) -> tuple[int, str]:
    """A new temporary file beside ``path``, open and (on POSIX) locked by this process."""
    for _ in range(_ATTEMPTS):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_prefix(path), suffix=_SUFFIX)
        if _lock_fresh(fd):
            return fd, tmp
        os.close(fd)  # a cleaner removed it between its creation and our lock: start over
    raise OSError(
        f"Could not create a temporary file beside {path}: each one was removed by a concurrent "
        f"cleaner ({_ATTEMPTS} attempts). Is another program deleting files in {path.parent}?"
    )


def _sync_directory(directory: Path) -> None:
    """Flush the directory entry of a rename to disk (POSIX; Windows has no directory handles)."""
    if sys.platform == "win32":
        return
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):  # some file systems refuse fsync on directories
            os.fsync(fd)
    finally:
        os.close(fd)
