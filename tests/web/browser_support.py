"""A real server and a real browser for the web tests: ``finrpa web`` on a free port, Chromium
driven by Playwright, axe-core from the npm registry. One of each per test session.

Without Chromium, Playwright or npm the browser tests skip, unless FINRPA_REQUIRE_BROWSER=1
(CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from finrpa.db.engine import make_engine
from finrpa.queue.sql import SqlQueueStore, utc_now
from finrpa.review.accounts import AccountStore

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("FINRPA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
AXE_VERSION = "4.10.3"
OUTPUT_DIR = REPO_ROOT / "test-output" / "web"


def unavailable(reason: str) -> None:
    """Skip, or fail when the browser is required."""
    if os.environ.get("FINRPA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Site:
    """The running server and the database behind it."""

    url: str
    store: SqlQueueStore
    accounts: AccountStore
    log: Path


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"finrpa web exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail(f"finrpa web did not answer within 60 s:\n{log.read_text()}")


def start_site(folder: Path) -> Iterator[Site]:
    """Serve a fresh SQLite database with ``finrpa web``; stop it afterwards."""
    database_url = f"sqlite:///{folder / 'site.db'}"
    engine = make_engine(database_url)
    store = SqlQueueStore(engine)  # migrates the database before the server opens it
    port = free_port()
    env = {**os.environ, "FINRPA_DATABASE_URL": database_url, "FINRPA_HOME": str(folder),
           "FINRPA_SECRET_KEY": "browser-tests-" + "k" * 40, "FINRPA_WEB_HOST": "127.0.0.1",
           "FINRPA_WEB_PORT": str(port), "FINRPA_COUNTS_TTL_S": "0"}
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "finrpa.cli.main", "web", "--no-access-log"],
            cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log)
        yield Site(url, store, AccountStore(engine, utc_now), log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        engine.dispose()


def launch_browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM}")
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Error as exc:
        manager.stop()
        unavailable(f"Chromium does not start: {exc}")
    try:
        yield browser
    finally:
        browser.close()
        manager.stop()


def axe_script() -> str:
    """axe-core's browser bundle, installed from the npm registry into a cache folder once."""
    cache = Path(os.environ.get("FINRPA_TEST_CACHE", Path.home() / ".cache" / "finrpa-tests"))
    bundle = cache / f"axe-core-{AXE_VERSION}" / "node_modules" / "axe-core" / "axe.min.js"
    if not bundle.exists():
        npm = shutil.which("npm")
        if npm is None:
            unavailable("npm is not installed (needed to fetch axe-core)")
        assert npm is not None
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--no-save", "--prefix",
             str(bundle.parents[2]), f"axe-core@{AXE_VERSION}"],
            capture_output=True, text=True, timeout=300, check=False)
        if result.returncode != 0 or not bundle.exists():
            unavailable(f"npm could not install axe-core: {result.stderr[-500:]}")
    return bundle.read_text(encoding="utf-8")
