"""Everything the routes need, built once per app from its settings (no globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy import Engine
from starlette.datastructures import Headers

from finrpa.db.engine import ensure_schema, make_engine
from finrpa.domain.calendar import BusinessCalendar
from finrpa.queue.sql import SqlQueueStore, utc_now
from finrpa.review.accounts import AccountStore, User
from finrpa.review.approval_store import ApprovalStore
from finrpa.review.approvals import FourEyesPolicy
from finrpa.review.listing import ReviewListing
from finrpa.review.logins import LoginPolicy
from finrpa.review.roles import is_robot
from finrpa.review.service import ReviewService
from finrpa.runs.settings import RunSettings
from finrpa.runs.store import RunStore
from finrpa.settings import Settings
from finrpa.web.caching import TtlCache
from finrpa.web.i18n import Translator, load_catalogs
from finrpa.web.rendering import make_environment
from finrpa.web.security import Principal, SessionCodec, resolve_principal
from finrpa.web.settings import WebSettings


@dataclass
class Services:
    """The app's collaborators."""

    settings: WebSettings
    engine: Engine
    store: SqlQueueStore
    accounts: AccountStore
    review: ReviewService
    listing: ReviewListing
    codec: SessionCodec
    logins: LoginPolicy
    calendar: BusinessCalendar
    zone: ZoneInfo
    catalogs: dict[str, dict[str, str]]
    templates: Environment
    runs: RunStore
    run_settings: RunSettings

    lists: TtlCache[Any] = field(default_factory=lambda: TtlCache(10.0))
    principals: TtlCache[Principal | None] = field(default_factory=lambda: TtlCache(2.0))

    def translator(self, language: str | None) -> Translator:
        chosen = language if language in self.catalogs else self.settings.default_language
        return Translator(chosen, self.catalogs, self.zone)

    def principal(self, headers: Headers) -> Principal | None:
        """Who sent the request; looked up at most every 2 s per credential and process."""
        return self.principals.get(_credentials(headers), lambda: resolve_principal(
            self.accounts, self.codec, headers))

    def cached_principal(self, headers: Headers) -> tuple[bool, Principal | None]:
        """(True, principal) when it is known without a database look-up."""
        return self.principals.peek(_credentials(headers))

    def accounts_changed(self) -> None:
        """Forget cached principals and user lists after a change to an account."""
        self.principals.invalidate()
        self.lists.invalidate()

    def assignable_users(self) -> list[User]:
        """Active people (no robots), for the assignee lists; kept 10 s."""
        return self.lists.get("users", lambda: [
            user for user in self.accounts.list_users()
            if user.active and not is_robot(user.name, user.role)])  # type: ignore[no-any-return]

    def queue_names(self) -> list[str]:
        return self.lists.get("queues", self.listing.queue_names)  # type: ignore[no-any-return]

    def run_schedules(self) -> list[str]:
        """Names of the schedules that have runs, for the runs page's filter; kept 10 s."""
        return self.lists.get(  # type: ignore[no-any-return]
            "run_schedules", lambda: sorted(self.runs.latest_runs()))

    def close(self) -> None:
        self.engine.dispose()


def _credentials(headers: Headers) -> tuple[str | None, str | None]:
    return headers.get("authorization"), headers.get("cookie")


def build_services(settings: WebSettings, engine: Engine | None = None) -> Services:
    """Open the database (migrating it when needed) and wire the services."""
    engine = engine or make_engine(settings.resolved_database_url())
    ensure_schema(engine)
    store = SqlQueueStore(engine, create_schema=False)
    accounts = AccountStore(engine, utc_now)
    listing = ReviewListing(engine, counts_ttl=settings.counts_ttl_s)
    zone = ZoneInfo(settings.timezone)
    review = ReviewService(
        store, accounts, ApprovalStore(engine, utc_now),
        FourEyesPolicy(settings.four_eyes_limit, settings.four_eyes_currency), zone,
        on_change=listing.counts.invalidate)
    return Services(
        settings=settings, engine=engine, store=store, accounts=accounts, review=review,
        listing=listing,
        codec=SessionCodec(settings.resolved_secret(), int(settings.session_hours * 3600)),
        logins=LoginPolicy(settings.login_failures_per_name, settings.login_failures_per_address,
                           timedelta(minutes=settings.login_window_minutes)),
        calendar=BusinessCalendar.finland(), zone=zone, catalogs=load_catalogs(),
        templates=make_environment(),
        runs=RunStore(engine, create_schema=False),
        run_settings=RunSettings(**settings.model_dump(include=set(Settings.model_fields))))
