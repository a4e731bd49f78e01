"""Local accounts, API tokens and sign-in attempts, on the finrpa database.

Passwords are argon2id hashes (argon2-cffi's defaults); an API token is 32 random bytes shown
once and stored as its SHA-256 (a token is not guessable, so a fast hash is enough). A user's
``session_epoch`` is part of every session cookie: bumping it (sign-out, password change,
deactivation) ends every session at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from finrpa.db.schema import api_tokens, login_attempts, users
from finrpa.errors import ConfigurationError
from finrpa.review.roles import Role

LANGUAGES = ("fi", "sv", "en")
TOKEN_PREFIX = "frpa_"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AccountError(ConfigurationError):
    """An account cannot be created or changed as asked."""


@dataclass(frozen=True)
class User:
    """An account, without its password hash."""

    id: int
    name: str
    display_name: str | None
    role: Role
    language: str
    active: bool
    session_epoch: int

    @property
    def label(self) -> str:
        return self.display_name or self.name


def token_digest(token: str) -> str:
    """What the database keeps of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_name(name: str) -> str:
    """``name`` if it is a valid account name: lower-case letters, digits and ._- only."""
    if not _NAME.match(name):
        raise AccountError(f"invalid user name {name!r}: use 2-64 of a-z 0-9 . _ - "
                           "starting with a letter or digit")
    return name


def _user(row: object) -> User:
    mapping = row._mapping  # type: ignore[attr-defined]
    return User(id=mapping["id"], name=mapping["name"], display_name=mapping["display_name"],
                role=Role(mapping["role"]), language=mapping["language"],
                active=bool(mapping["active"]), session_epoch=mapping["session_epoch"])


_USER_COLUMNS = (users.c.id, users.c.name, users.c.display_name, users.c.role, users.c.language,
                 users.c.active, users.c.session_epoch)


class AccountStore:
    """Users, their tokens and sign-in attempts."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime],
                 hasher: PasswordHasher | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.hasher = hasher or PasswordHasher()

    @cached_property
    def _dummy_hash(self) -> str:
        """Verified against when the user does not exist, so that takes as long as a miss."""
        return self.hasher.hash(secrets.token_hex(8))

    # -- users ------------------------------------------------------------------------

    def add_user(self, name: str, role: Role | str, password: str | None, *,
                 display_name: str | None = None, language: str = "fi") -> User:
        """Create an account; AccountError when the name is taken or a value is invalid."""
        role = Role(role)
        if language not in LANGUAGES:
            raise AccountError(f"language must be one of {', '.join(LANGUAGES)}")
        if password is not None and len(password) < 10:
            raise AccountError("a password needs at least 10 characters")
        values = {"name": check_name(name), "display_name": display_name, "role": role.value,
                  "language": language, "created_at": self.clock(), "active": True,
                  "password_hash": self.hasher.hash(password) if password else None}
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(users).values(**values))
        except IntegrityError as exc:
            raise AccountError(f"user {name!r} already exists") from exc
        found = self.by_name(name)
        assert found is not None
        return found

    def by_name(self, name: str) -> User | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(*_USER_COLUMNS).where(users.c.name == name)).first()
        return _user(row) if row else None

    def by_id(self, user_id: int) -> User | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(*_USER_COLUMNS).where(users.c.id == user_id)).first()
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(*_USER_COLUMNS).order_by(users.c.name)).all()
        return [_user(row) for row in rows]

    def verify_password(self, name: str, password: str) -> User | None:
        """The active user when ``password`` is theirs; the same work is done either way."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(users.c.id, users.c.password_hash, users.c.active)
                .where(users.c.name == name)).first()
        stored = row.password_hash if row is not None and row.password_hash else self._dummy_hash
        try:
            self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.password_hash or not row.active:
            return None
        if self.hasher.check_needs_rehash(stored):
            self._update(row.id, password_hash=self.hasher.hash(password))
        return self.by_id(row.id)

    def set_password(self, name: str, password: str) -> None:
        if len(password) < 10:
            raise AccountError("a password needs at least 10 characters")
        user = self._require(name)
        self._update(user.id, password_hash=self.hasher.hash(password),
                     session_epoch=users.c.session_epoch + 1)

    def set_active(self, name: str, active: bool) -> None:
        user = self._require(name)
        self._update(user.id, active=active, session_epoch=users.c.session_epoch + 1)

    def set_language(self, user_id: int, language: str) -> None:
        if language not in LANGUAGES:
            raise AccountError(f"language must be one of {', '.join(LANGUAGES)}")
        self._update(user_id, language=language)

    def end_sessions(self, user_id: int) -> None:
        """Invalidate every session cookie the user has."""
        self._update(user_id, session_epoch=users.c.session_epoch + 1)

    def _require(self, name: str) -> User:
        user = self.by_name(name)
        if user is None:
            raise AccountError(f"no user {name!r}")
        return user

    def _update(self, user_id: int, **values: object) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(users).where(users.c.id == user_id).values(**values))

    # -- API tokens -------------------------------------------------------------------

    def create_token(self, name: str, label: str | None = None) -> str:
        """A new API token for ``name``; only its digest is stored, so show it now."""
        user = self._require(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(insert(api_tokens).values(
                user_id=user.id, token_hash=token_digest(token), label=label,
                created_at=self.clock()))
        return token

    def user_for_token(self, token: str) -> User | None:
        """The active user a valid, unrevoked token belongs to."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        query = (select(*_USER_COLUMNS).join(api_tokens, api_tokens.c.user_id == users.c.id)
                 .where(api_tokens.c.token_hash == token_digest(token),
                        api_tokens.c.revoked_at.is_(None), users.c.active.is_(True)))
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return _user(row) if row else None

    def revoke_tokens(self, name: str) -> int:
        """Revoke every token of ``name``; how many."""
        user = self._require(name)
        with self.engine.begin() as connection:
            result = connection.execute(
                update(api_tokens).where(api_tokens.c.user_id == user.id,
                                         api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=self.clock()))
        return result.rowcount

    # -- sign-in attempts -------------------------------------------------------------

    def record_login(self, name: str, address: str, succeeded: bool) -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(login_attempts).values(
                at=self.clock(), name=name[:100], address=address[:100], succeeded=succeeded))

    def recent_failures(self, name: str, address: str, window: timedelta) -> tuple[int, int]:
        """Failed sign-ins within ``window``: (for this name, from this address)."""
        since = self.clock() - window
        failed = login_attempts.c.succeeded.is_(False)
        with self.engine.connect() as connection:
            by_name = connection.execute(
                select(func.count()).where(login_attempts.c.name == name[:100],
                                           login_attempts.c.at >= since, failed)).scalar_one()
            by_address = connection.execute(
                select(func.count()).where(login_attempts.c.address == address[:100],
                                           login_attempts.c.at >= since, failed)).scalar_one()
        return by_name, by_address
