"""Files attached to work items, stored once per content (sha256) in the database.

The content lives in the database, not on a local disk, so that workers on several machines
sharing one PostgreSQL see the same files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from finrpa.db.schema import file_blobs, item_files
from finrpa.errors import QueueError
from finrpa.queue.records import AttachedFile


def attach(
    connection: Connection,
    dialect_insert: Callable[[Any], Any],
    item_id: int,
    name: str,
    content: bytes,
    now: datetime,
) -> AttachedFile:
    """Attach ``content`` to the item as ``name``, replacing a file of that name."""
    check_file_name(name)
    digest = hashlib.sha256(content).hexdigest()
    connection.execute(
        dialect_insert(file_blobs)
        .values(sha256=digest, size=len(content), content=content)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    connection.execute(
        delete(item_files).where(item_files.c.item_id == item_id, item_files.c.name == name)
    )
    connection.execute(
        item_files.insert().values(
            item_id=item_id, name=name, sha256=digest, size=len(content), added_at=now
        )
    )
    return AttachedFile(name=name, sha256=digest, size=len(content))


def check_file_name(name: str) -> str:
    """``name`` if it is a plain file name; QueueError otherwise (no folders, no ..)."""
    if not name or "/" in name or "\\" in name or name in {".", ".."}:
        raise QueueError(f"invalid file name {name!r}: a plain name without folders is needed")
    return name


def checked_files(files: dict[str, bytes]) -> list[tuple[str, str, bytes]]:
    """(name, sha256, content) for files to attach, names checked."""
    return [(check_file_name(name), hashlib.sha256(content).hexdigest(), content)
            for name, content in files.items()]


def detach(connection: Connection, item_id: int, name: str) -> None:
    """Remove the named file from the item; the blob stays for other items and the audit."""
    result = connection.execute(
        delete(item_files).where(item_files.c.item_id == item_id, item_files.c.name == name)
    )
    if result.rowcount == 0:
        raise QueueError(f"work item {item_id} has no file named {name!r}")


def read_attached(connection: Connection, item_id: int, name: str) -> bytes:
    """The content of the item's file ``name``."""
    content = connection.execute(
        select(file_blobs.c.content)
        .join(item_files, item_files.c.sha256 == file_blobs.c.sha256)
        .where(item_files.c.item_id == item_id, item_files.c.name == name)
    ).scalar()
    if content is None:
        raise QueueError(f"work item {item_id} has no file named {name!r}")
    return bytes(content)
