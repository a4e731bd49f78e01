"""Shared fixtures: the public sample corpus and the database backends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def corpus_path() -> Path:
    """Where the public sample corpus lies: FINRPA_CORPUS_DIR, else ../shared/corpus beside the repo."""
    configured = os.environ.get("FINRPA_CORPUS_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The corpus folder; tests that need it skip with a clear message when it is absent."""
    path = corpus_path()
    if not path.is_dir():
        pytest.skip(f"public sample corpus not found at {path} (set FINRPA_CORPUS_DIR)")
    return path
