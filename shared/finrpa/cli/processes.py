"""``finrpa scheduler``, ``finrpa worker`` and ``finrpa up``: the long-running processes.

Each runs until Ctrl-C or SIGTERM, then stops cleanly: the scheduler between ticks, a worker
after stopping its robot and handing the run back to the queue, the web page after its open
requests.
"""

from __future__ import annotations

import inspect
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from finrpa.cli.common import command, console, error_console, fail
from finrpa.runs.clock import SystemClock
from finrpa.runs.outbox import AlertOutbox, AlertSender, SmtpMailer
from finrpa.runs.scheduler import Scheduler, SchedulerOptions
from finrpa.runs.service import open_run_store
from finrpa.runs.settings import RunSettings, load_run_settings
from finrpa.runs.worker import RunWorker

log = logging.getLogger("finrpa")
NameOption = Annotated[str | None, typer.Option(
    "--name", help="Name in run records and leases (default role@host:pid)")]


def _setup_logging() -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by Ctrl-C (SIGINT) or SIGTERM while the block runs."""
    stop = threading.Event()

    def handler(signum: int, _frame: Any) -> None:
        log.info("%s received: stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class _Parts:
    """The threads of a process; one that ends before ``stop`` is set stops them all."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.threads: list[threading.Thread] = []
        self.failed: list[str] = []

    def start(self, name: str, target: Callable[[threading.Event], None]) -> None:
        def body() -> None:
            try:
                target(self.stop)
            except (Exception, SystemExit):  # uvicorn exits when it cannot bind its port
                log.exception("%s stopped with an error", name)
            if not self.stop.is_set():
                self.failed.append(name)
                self.stop.set()

        thread = threading.Thread(target=body, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def wait(self) -> None:
        """Block until stopped, join every thread; exit 1 if a part failed."""
        while not self.stop.wait(0.5):
            pass
        for thread in self.threads:
            thread.join()
        if self.failed:
            fail(f"{', '.join(self.failed)} stopped unexpectedly (see the log above)")


def scheduler_parts(settings: RunSettings, name: str) -> list[tuple[str, Callable[..., None]]]:
    """The scheduler loop and, when SMTP is set up, the alert sender: (name, run) pairs."""
    store = open_run_store(settings)
    options = SchedulerOptions(
        tick_seconds=settings.scheduler_tick_seconds,
        misfire_grace_seconds=settings.misfire_grace_seconds,
        overdue_check_seconds=settings.overdue_check_seconds,
    )
    scheduler = Scheduler(store, settings.schedules_dir, name=name, options=options)
    parts: list[tuple[str, Callable[..., None]]] = [("scheduler", scheduler.run)]
    if settings.smtp_host:
        sender = AlertSender(AlertOutbox(store.engine, store.clock), SmtpMailer(settings),
                             clock=SystemClock(), owner=name,
                             retry_seconds=settings.alert_retry_seconds,
                             retry_max_seconds=settings.alert_retry_max_seconds)
        parts.append(("alert-sender", sender.run))
    else:
        error_console.print("[yellow]warning:[/] FINRPA_SMTP_HOST is not set: alerts wait in "
                            "the outbox until a scheduler with SMTP settings sends them")
    return parts


@command
def scheduler_command(name: NameOption = None) -> None:
    """Fire the schedules in FINRPA_SCHEDULES_DIR into runs, and mail alerts, until stopped."""
    _setup_logging()
    settings = load_run_settings()
    name = name or settings.process_name("scheduler")
    with stop_on_signals() as stop:
        parts = _Parts(stop)
        for part, run in scheduler_parts(settings, name):
            parts.start(part, run)
        console.print(f"scheduler {name}: schedules from {settings.schedules_dir}; Ctrl-C stops")
        parts.wait()


@command
def worker_command(
    name: NameOption = None,
    once: Annotated[bool, typer.Option("--once", help="Run one due run (if any), then exit")
                    ] = False,
) -> None:
    """Claim queued runs and run their robots, one at a time, until stopped."""
    _setup_logging()
    settings = load_run_settings()
    worker = RunWorker(open_run_store(settings), settings,
                       name=name or settings.process_name("worker"))
    with stop_on_signals() as stop:
        if once:
            run = worker.run_once(stop)
            console.print(f"run {run.id}: {run.status.value}" if run else "no run was due")
            return
        parts = _Parts(stop)
        parts.start("worker", worker.run)
        parts.wait()


def web_server(settings: RunSettings, engine: Engine) -> Any | None:
    """A uvicorn server for the review web app, or None (with a warning) if it is not there.

    The hook: ``finrpa.web.app.create_app(settings, engine=...)`` returning an ASGI app (the
    engine is shared with the scheduler and workers when the factory accepts one).
    """
    try:
        import uvicorn

        from finrpa.web.app import create_app
    except ImportError as exc:
        error_console.print(f"[yellow]warning:[/] no web page ({exc}); running without it")
        return None
    try:
        shared = {"engine": engine} if "engine" in inspect.signature(create_app).parameters else {}
        app = create_app(settings, **shared)
    except Exception as exc:  # noqa: BLE001 - robots run on without the page
        error_console.print(f"[yellow]warning:[/] the web page could not start: "
                            f"{type(exc).__name__}: {exc}; running without it")
        return None
    config = uvicorn.Config(app, host=settings.web_host, port=settings.web_port,
                            log_level="info")
    return uvicorn.Server(config)


@command
def up_command(
    workers: Annotated[int, typer.Option(min=1, max=16, help="Runs at a time")] = 1,
    web: Annotated[bool, typer.Option(help="Serve the review web page")] = True,
) -> None:
    """Scheduler, worker(s) and the web page in one process, for one machine."""
    _setup_logging()
    settings = load_run_settings()
    with stop_on_signals() as stop:
        parts = _Parts(stop)
        for part, run in scheduler_parts(settings, settings.process_name("scheduler")):
            parts.start(part, run)
        store = open_run_store(settings)
        for number in range(1, workers + 1):
            worker = RunWorker(store, settings,
                               name=f"{settings.process_name('worker')}#{number}")
            parts.start(f"worker-{number}", worker.run)
        server = web_server(settings, store.engine) if web else None
        if server is not None:
            parts.start("web", lambda _stop: server.run())

            def stop_web() -> None:
                stop.wait()
                server.should_exit = True

            threading.Thread(target=stop_web, daemon=True).start()
            console.print(f"web page: http://{settings.web_host}:{settings.web_port}/")
        console.print(f"finrpa up: database {settings.resolved_database_url()}, "
                      f"{workers} worker(s); Ctrl-C stops")
        parts.wait()
    console.print("finrpa up: stopped")
