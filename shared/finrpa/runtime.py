"""Process-level helpers for robot steps that handle tens of thousands of records at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk step, and resume it afterwards.

    A step that keeps tens of thousands of records alive (rows read, lines built, items
    claimed) sets off full collections again and again, each walking every object alive:
    measured, a fifth of the invoice report's time at 20,000 invoices. The records hold no
    reference cycles, so reference counting frees them all the same; the few cycles made
    meanwhile are collected once the collector resumes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
