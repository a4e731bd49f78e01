"""``finrpa users``: accounts and API tokens from the command line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from finrpa.cli.main import app
from finrpa.db.engine import make_engine
from finrpa.queue.sql import utc_now
from finrpa.review.accounts import AccountStore

runner = CliRunner()


@pytest.fixture
def accounts(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> AccountStore:
    url = f"sqlite:///{tmp_path}/users.db"
    monkeypatch.setenv("FINRPA_DATABASE_URL", url)
    return AccountStore(make_engine(url), utc_now)


def test_add_users_make_tokens_and_list(accounts: AccountStore) -> None:
    result = runner.invoke(app, ["users", "add", "maija", "--role", "approver", "--language",
                                 "sv", "--display-name", "Maija M", "--password-stdin"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "user maija (approver) created" in result.output
    assert accounts.verify_password("maija", "a long enough password") is not None
    prompted = runner.invoke(app, ["users", "add", "pekka", "--role", "reviewer"],
                             input="another good password\nanother good password\n")
    assert prompted.exit_code == 0, prompted.output
    robot = runner.invoke(app, ["users", "add", "invoice-robot", "--role", "robot"])
    assert robot.exit_code == 0
    token = runner.invoke(app, ["users", "token", "invoice-robot", "--label", "reads"])
    assert token.exit_code == 0 and token.output.startswith("frpa_")
    user = accounts.user_for_token(token.output.strip())
    assert user is not None and user.name == "invoice-robot"
    listed = runner.invoke(app, ["users", "list", "--json"])
    assert [(u["name"], u["role"], u["language"]) for u in json.loads(listed.output)] == [
        ("invoice-robot", "robot", "fi"), ("maija", "approver", "sv"),
        ("pekka", "reviewer", "fi")]
    revoked = runner.invoke(app, ["users", "token", "invoice-robot", "--revoke"])
    assert "1 token(s) of invoice-robot revoked" in revoked.output
    assert accounts.user_for_token(token.output.strip()) is None


def test_bad_input_is_refused_with_a_message(accounts: AccountStore) -> None:
    short = runner.invoke(app, ["users", "add", "maija", "--role", "reviewer",
                                "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    bad_name = runner.invoke(app, ["users", "add", "Maija Meikäläinen", "--role", "reviewer",
                                   "--password-stdin"], input="long enough pass\n")
    assert bad_name.exit_code == 1 and "invalid user name" in bad_name.output
    bad_role = runner.invoke(app, ["users", "add", "maija", "--role", "boss"])
    assert bad_role.exit_code == 2
    runner.invoke(app, ["users", "add", "maija", "--role", "reviewer", "--password-stdin"],
                  input="long enough pass\n")
    again = runner.invoke(app, ["users", "add", "maija", "--role", "reviewer",
                                "--password-stdin"], input="long enough pass\n")
    assert again.exit_code == 1 and "already exists" in again.output
    disabled = runner.invoke(app, ["users", "disable", "maija"])
    assert disabled.exit_code == 0
    assert accounts.verify_password("maija", "long enough pass") is None
    assert runner.invoke(app, ["users", "token", "nobody"]).exit_code == 1
