"""The app factory: nothing at import time, settings passed in, fit for ``finrpa up``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from finrpa.runs.settings import RunSettings
from finrpa.settings import Settings
from finrpa.web.app import create_app
from finrpa.web.settings import WebSettings
from tests.web.conftest import load_test_client

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_app_opens_and_reads_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "FINRPA_HOME": str(home), "FINRPA_DATABASE_URL": "not a url"}
    code = ("import finrpa.web.app, finrpa.web.routes.api, finrpa.web.deps, sys; "
            "assert 'finrpa.queue.factory' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, check=True)
    assert not home.exists()


def test_the_factory_takes_finrpa_settings_of_any_kind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    for settings in (Settings(database_url=url, home=tmp_path),
                     RunSettings(database_url=url, home=tmp_path, web_port=8123)):
        app = create_app(settings)
        services = app.state.services
        assert isinstance(services.settings, WebSettings)
        assert services.settings.resolved_database_url() == url
        assert (tmp_path / "web-secret").exists()  # a signing key made once, kept
        with load_test_client()(app) as client:
            assert client.get("/login").status_code == 200
    assert (tmp_path / "web-secret").stat().st_mode & 0o077 == 0
