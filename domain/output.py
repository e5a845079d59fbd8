"""Files BBT writes for the user: private (mode 600), whole or not at all, never overwriting.

Everything is written to a hidden temporary file beside the target and moved into place only
once complete, so a full disk or a crash never leaves half a report under the user's name.
Without `force` an existing file is refused (the final link fails atomically if one appears
meanwhile); with `force` it is replaced in one step.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from domain.errors import BBTError
from domain.i18n import _


def check_target(path: Path, *, force: bool = False) -> None:
    """Refuse, before any work is done, a target that cannot or must not be written."""
    if path.is_dir():
        raise BBTError(_("'{path}' is a folder; name a file to write.").format(path=path))
    if path.exists() and not force:
        raise BBTError(_("The file '{path}' already exists; name a new file, or add --force "
                         "to replace it.").format(path=path))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise BBTError(_("The folder '{path}' does not exist.").format(path=folder))


@contextlib.contextmanager
def private_file(path: Path, *, force: bool = False) -> Iterator[IO[bytes]]:
    """A binary handle whose content becomes `path` (mode 600) only if the block succeeds."""
    path = Path(path)
    check_target(path, force=force)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _move_into_place(tmp, path, force=force)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_private(path: Path, data: bytes, *, force: bool = False) -> None:
    with private_file(path, force=force) as handle:
        handle.write(data)


def _move_into_place(tmp: Path, path: Path, *, force: bool) -> None:
    if force:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # fails if the name was taken meanwhile: nothing is overwritten
    except FileExistsError:
        raise BBTError(_("The file '{path}' already exists; name a new file, or add --force "
                         "to replace it.").format(path=path)) from None
    except OSError:  # no hard links here (FAT, some network shares): exclusive create and copy
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as target, tmp.open("rb") as source:
            while chunk := source.read(1 << 20):
                target.write(chunk)
            target.flush()
            os.fsync(target.fileno())


def json_list(items: Iterable[Any], default: Callable[[Any], Any] | None = None
              ) -> Iterator[str]:
    """The text of `json.dumps(list(items), ensure_ascii=False, indent=2)` and a newline, a
    piece per item as the items come: a list of any length is written without being held
    whole in memory, and reads exactly like the one-piece dump."""
    first = True
    for item in items:
        text = json.dumps(item, ensure_ascii=False, indent=2, default=default)
        yield ("[\n  " if first else ",\n  ") + text.replace("\n", "\n  ")
        first = False
    yield "[]\n" if first else "\n]\n"


def _cannot_write(path: Path, exc: OSError) -> BBTError:
    return BBTError(_("The file '{path}' cannot be written: {reason}.").format(
        path=path, reason=exc.strerror or exc))
