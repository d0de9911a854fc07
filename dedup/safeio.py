"""Writing output files safely, and printing untrusted text safely.

Every file dedup writes for a user (``--out``, ``--html``, XLSX) goes through :func:`atomic_write`:
the new content is written to a temporary file in the same folder, flushed to disk and renamed over
the old file, so a kill or a full disk leaves either the old file or the new one, never a 0-byte or
half-written one. :func:`check_destination` refuses a destination that is the store (or one of its
files) or an input of the same run, before any work is done.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from dedup.errors import DedupError

Writer = Callable[[Path], None]


def _special(path: Path) -> bool:
    """An existing destination that is not a regular file (a device such as /dev/stdout, a pipe)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _fail(path: Path, exc: OSError, stream: bool = False) -> DedupError:
    why = exc.strerror or str(exc)
    kept = "" if stream else "; any earlier file there is unchanged"
    return DedupError(f"{path}: cannot write it ({why}){kept}: choose another path")


def atomic_write(path: Path, content: str | bytes | Writer) -> None:
    """Write ``content`` (text, bytes, or a function writing a file at the path it is given) to
    ``path`` through a temporary file in the same folder, fsync'd and renamed into place.

    A destination that is a device or pipe (``/dev/stdout``) is written directly. Any failure is a
    :class:`DedupError` of one line and leaves an earlier file at ``path`` as it was."""
    path = Path(path)
    if path.is_dir():
        raise DedupError(f"{path} is a folder; give a file name, e.g. {path / 'report'}")
    if _special(path):
        _write_stream(path, content)
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(path)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _fail(path, exc) from exc
    tmp = Path(tmp_name)
    try:
        if callable(content):
            os.close(fd)
            content(tmp)
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        else:
            data = content.encode("utf-8", "replace") if isinstance(content, str) else content
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        try:  # keep the permissions of the file being replaced (mkstemp makes it 0600)
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        except FileNotFoundError:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _fail(path, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: A temporary file of this target older than this was left by a killed writer (a live one is younger).
STALE_TEMP_S = 3600


def _remove_stale_temps(path: Path) -> None:
    now = time.time()
    for old in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if now - old.stat().st_mtime > STALE_TEMP_S:
                old.unlink()
        except OSError:
            pass


def _write_stream(path: Path, content: str | bytes | Writer) -> None:
    try:
        if callable(content):
            with tempfile.TemporaryDirectory() as d:
                tmp = Path(d) / path.name
                content(tmp)
                with open(tmp, "rb") as src, open(path, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            return
        data = content.encode("utf-8", "replace") if isinstance(content, str) else content
        with open(path, "wb") as f:
            f.write(data)
    except OSError as exc:
        raise _fail(path, exc, stream=True) from exc


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- destinations that must never be overwritten --------------------------------------------------


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except (OSError, ValueError):  # a name no file can have (a NUL byte): not the same file
        return False


def _is_dir(p: Path) -> bool:
    try:
        return p.is_dir()
    except (OSError, ValueError):
        return False


def is_store_file(path: Path, store: Path) -> bool:
    """``path`` is the store's database, one of SQLite's files beside it, or its FAISS index."""
    if _same(path, store):
        return True
    if path.resolve().parent != store.resolve().parent:
        return False
    name = path.name
    return name.startswith(store.name + "-") or (name.startswith(store.stem + ".") and name.endswith(".faiss"))


def check_destination(out: Path, store: Path | None, inputs: Iterable[Path] = (), option: str = "--out") -> None:
    """Refuse to write ``out`` over the store or over an input of this run (a file given, or a file
    inside a folder given). One line saying what to do instead."""
    out = Path(out)
    if store is not None and is_store_file(out, Path(store)):
        raise DedupError(f"{option} {out} is the store ({store}); writing there would destroy it: choose another file")
    for given in inputs:
        given = Path(given)
        if _same(out, given):
            raise DedupError(
                f"{option} {out} is an input of this run; writing there would destroy it: choose another file"
            )
        if out.exists() and _is_dir(given):
            try:
                out.resolve().relative_to(given.resolve())
            except ValueError:
                continue
            raise DedupError(
                f"{option} {out} is inside {given}, which this run reads; writing there would replace an input: "
                "choose a file outside it"
            )


# --- text printed to a terminal -------------------------------------------------------------------

# ANSI/VT escape sequences (CSI, OSC, other ESC sequences) and the C0/C1 control characters except
# tab and newline: a title or organisation read from a document must not move the cursor, retitle the
# terminal window or hide text.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_for_terminal(text: str) -> str:
    """``text`` without escape sequences or control characters (bidi overrides included); a carriage
    return becomes a space."""
    if not text:
        return text
    text = _ANSI.sub("", text)
    return _CONTROL.sub(lambda m: " " if m.group() in "\r\x0b\x0c" else "", text)
