"""Where reconcile meets the file system: inputs that are plain files, outputs that never
touch an input, and writes that are all-or-nothing.

A run is often made on the only copy of a downloaded export, and its outputs go out by
email, so:

* an output path that is, or resolves (through symlinks or hard links) to, an input is
  refused before anything is read or written, and so are two outputs on one path;
* every output is rendered in memory first; then each is written to a temporary file in
  its own folder, and only when all of them are complete are they renamed into place. A
  run that fails or is killed leaves the previous reports as they were, and two runs
  writing the same path never make a mixed file (a rename replaces a file whole);
* an input must be a regular file: a pipe (`/dev/stdin`, `<(...)`) can be read only once
  and reconcile reads a file twice (the head to recognise it, then the whole), and the
  files under /proc and /sys pretend to be empty;
* an operating-system fault (full disk, read-only or missing folder, a file where a
  folder should be) is a ReconcileError of one line naming the path and what to do:
  exit 2, never the "internal error" of a bug.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from reconcile.problems import ReconcileError, UnusableFileError

# What to do about an operating-system error while writing, by errno.
_WRITE_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space or write to another disk",
    errno.EDQUOT: "the disk quota is used up; free some space or write elsewhere",
    errno.EROFS: "the file system is read-only; write to another folder",
    errno.EACCES: "you may not write there; choose a folder you can write to",
    errno.EPERM: "you may not write there; choose a folder you can write to",
    errno.ENOTDIR: "a file stands where a folder should be; choose another path",
    errno.EISDIR: "a folder has that name; choose a file name",
    errno.ENOENT: "the folder cannot be created there; choose an existing folder",
    errno.EEXIST: "a file stands where a folder should be; choose another path",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter one",
}
# Pseudo file systems whose files claim to be empty (st_size 0) but are not.
_VIRTUAL_ROOTS = (Path("/proc"), Path("/sys"))


class OutputError(ReconcileError):
    """An output that cannot or must not be written."""


# --------------------------------------------------------------------------- inputs


def check_input_file(path: Path, label: str) -> None:
    """UnusableFileError unless `path` is a regular file reconcile can read twice.

    Called before the first byte is read, so that a FIFO is never opened (opening one
    blocks until someone writes to it)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise UnusableFileError(label, "file not found", "Check the path.") from None
    except OSError as error:
        raise UnusableFileError(label, f"cannot be read: {error.strerror}") from None
    if stat.S_ISDIR(mode):
        raise UnusableFileError(
            label, "is a folder, not a file", "Give the CSV file, or the folder alone."
        )
    if not stat.S_ISREG(mode):
        raise UnusableFileError(
            label,
            f"is {_kind_of_special(mode)}, not a file (reconcile reads an export twice)",
            "Save the export to a file first and give that file.",
        )
    if _is_virtual(path):
        raise UnusableFileError(
            label,
            "is a file of the system (/proc, /sys), not an export",
            "Copy it to a normal file first if you really mean it.",
        )


def is_readable_export_file(path: Path) -> bool:
    """Whether a folder entry is a regular file (FIFOs, sockets and devices are skipped
    without being opened). Follows symlinks, as reading does."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _kind_of_special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _is_virtual(path: Path) -> bool:
    resolved = Path(os.path.realpath(path))
    return any(resolved == root or root in resolved.parents for root in _VIRTUAL_ROOTS)


# --------------------------------------------------------------------------- outputs


def refuse_clashes(outputs: Mapping[str, Iterable[Path]], inputs: Iterable[Path]) -> None:
    """OutputError when an output is, or resolves to, an input file, or when two outputs
    land on one file. `outputs` maps the option that names them (for the message) to
    the paths."""
    input_keys: dict[tuple[object, ...], Path] = {}
    for path in inputs:
        for key in _identities(path):
            input_keys.setdefault(key, path)
    seen: dict[tuple[object, ...], tuple[str, Path]] = {}
    for option, paths in outputs.items():
        for path in paths:
            keys = _identities(path)
            for key in keys:
                if key in input_keys:
                    raise OutputError(
                        f"{option} {path}: is the input {input_keys[key]}; reconcile never "
                        "writes over an export. Choose another file name."
                    )
            for key in keys:
                if key in seen:
                    other_option, other = seen[key]
                    raise OutputError(
                        f"{option} {path} and {other_option} {other} are the same file; "
                        "give each output its own name."
                    )
            for key in keys:
                seen[key] = (option, path)


def _identities(path: Path) -> tuple[tuple[object, ...], ...]:
    """What makes two paths the same file: the path with symlinks and '..' resolved, and
    for an existing file its device and inode (hard links, case-insensitive disks)."""
    keys: list[tuple[object, ...]] = [("path", os.path.realpath(path))]
    try:
        info = os.stat(path)
    except OSError:
        return tuple(keys)
    keys.append(("inode", info.st_dev, info.st_ino))
    return tuple(keys)


def write_all(files: Mapping[Path, bytes]) -> list[Path]:
    """Write every file, all or nothing: each to a temporary file in its folder, then,
    once all are complete, each renamed over its path. On an error no path has changed
    (unless the renaming itself fails half-way, which a full disk cannot cause) and
    no temporary file is left behind. A symlinked output is written where it points."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            target = Path(os.path.realpath(path))
            staged.append((_stage(target, data, shown=path), target))
        while staged:
            _rename(*staged[0])
            staged.pop(0)
    finally:
        for temporary, _ in staged:  # those not renamed
            _remove_quietly(temporary)
    return list(files)


def _stage(target: Path, data: bytes, *, shown: Path) -> Path:
    """`data` in a new temporary file beside `target`; OutputError when it cannot be."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own for each writer: another run, or another thread of this one.
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.partial")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _mode_for(target))
    except OSError as error:
        raise _write_error(shown, error) from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
    except OSError as error:
        _remove_quietly(temporary)
        raise _write_error(shown, error) from None
    return temporary


def _mode_for(target: Path) -> int:
    """The permissions an existing file has (they are kept), else the usual ones."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666  # less the umask, as for any new file


def _rename(temporary: Path, target: Path) -> None:
    try:
        os.replace(temporary, target)
    except OSError as error:
        raise _write_error(target, error) from None


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _write_error(path: Path, error: OSError) -> OutputError:
    reason = error.strerror or str(error)
    advice = _WRITE_ADVICE.get(error.errno or 0, "check the path and the disk")
    return OutputError(f"cannot write {path}: {reason}; {advice}.")


def export_files_of(paths: Iterable[Path]) -> list[Path]:
    """The files inside those of `paths` that are folders (an exports folder): an output
    must not land on any of them."""
    files: list[Path] = []
    for path in paths:
        if os.path.isdir(path):
            try:
                files += [entry for entry in Path(path).iterdir() if is_readable_export_file(entry)]
            except OSError:
                continue  # reading the folder will say what is wrong with it
    return files
