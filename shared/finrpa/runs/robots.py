"""Robot definitions (``robots/<name>/robot.toml``) and running their steps as subprocesses.

Each step is one robocorp-tasks task, started as ``python -m robocorp.tasks run`` with the
work-item adapter pointed at finrpa's queue, so the robot's code is plain robocorp code.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from finrpa.errors import ConfigurationError
from finrpa.queue.records import QueueConfig

ADAPTER = "finrpa.queue.workitems_adapter.FinrpaAdapter"


class RobotStep(BaseModel):
    """One task of the robot, and the queue it consumes, if any."""

    task: str
    input_queue: str | None = None
    output_queue: str | None = None
    prefetch: int = Field(default=1, ge=1, le=5000,
                          description="Items claimed per round trip (FINRPA_PREFETCH)")


class RobotDefinition(BaseModel):
    """What ``robot.toml`` declares."""

    name: str
    description: str = ""
    tasks: str = "tasks.py"
    steps: list[RobotStep] = Field(min_length=1)
    queues: list[QueueConfig] = Field(default_factory=list)
    folder: Path = Path()

    @property
    def tasks_file(self) -> Path:
        return self.folder / self.tasks


def robots_dir() -> Path:
    """The robots folder: FINRPA_ROBOTS_DIR, else ./robots."""
    return Path(os.environ.get("FINRPA_ROBOTS_DIR", "robots"))


def load_robot(name: str, folder: Path | None = None) -> RobotDefinition:
    """Read and validate ``robots/<name>/robot.toml``."""
    robot_folder = (folder or robots_dir()) / name
    path = robot_folder / "robot.toml"
    if not path.is_file():
        known = sorted(p.parent.name for p in (folder or robots_dir()).glob("*/robot.toml"))
        raise ConfigurationError(f"no robot {name!r}: {path} does not exist (known: {known})")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return RobotDefinition.model_validate({**raw, "folder": robot_folder.resolve()})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: not valid TOML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise ConfigurationError(f"{path}: {problems}") from exc


@dataclass(frozen=True)
class StepResult:
    """How one step's subprocess ended."""

    task: str
    returncode: int
    log_dir: Path


def step_environment(
    robot: RobotDefinition, step: RobotStep, run_id: str, input_dir: Path | None,
    output_dir: Path, database_url: str, started_at: str,
) -> dict[str, str]:
    """The environment a step runs with: adapter, database, queues, run id, folders."""
    env = dict(os.environ)
    env.update(
        RC_WORKITEM_ADAPTER=ADAPTER,
        FINRPA_DATABASE_URL=database_url,
        FINRPA_RUN_ID=run_id,
        FINRPA_ROBOT=robot.name,
        FINRPA_RUN_STARTED=started_at,
        FINRPA_OUTPUT_DIR=str(output_dir.resolve()),
    )
    if input_dir is not None:
        env["FINRPA_INPUT_DIR"] = str(input_dir.resolve())
    if step.input_queue:
        env["FINRPA_INPUT_QUEUE"] = step.input_queue
    if step.output_queue:
        env["FINRPA_OUTPUT_QUEUE"] = step.output_queue
    env["FINRPA_PREFETCH"] = str(step.prefetch)
    return env


def run_robot(
    robot: RobotDefinition,
    *,
    input_dir: Path | None,
    output_dir: Path,
    database_url: str,
    run_id: str | None = None,
    on_step: Callable[[RobotStep, subprocess.Popen[bytes]], None] | None = None,
    command_prefix: Sequence[str] = (),
    popen_options: Mapping[str, Any] | None = None,
) -> list[StepResult]:
    """Run the robot's steps in order; stop at the first step that fails.

    ``command_prefix`` goes before each step's command (the scheduled runs' guard), and
    ``popen_options`` to subprocess.Popen (a new process group, for instance).
    """
    run_id = run_id or uuid.uuid4().hex[:12]
    started_at = datetime.now(UTC).isoformat()
    results: list[StepResult] = []
    for step in robot.steps:
        log_dir = output_dir / "logs" / step.task
        log_dir.mkdir(parents=True, exist_ok=True)
        command = [*command_prefix, sys.executable, "-m", "robocorp.tasks", "run",
                   str(robot.tasks_file), "-t", step.task, "--output-dir", str(log_dir),
                   "--console-colors", "plain"]
        env = step_environment(robot, step, run_id, input_dir, output_dir, database_url,
                               started_at)
        with open(log_dir / "console.txt", "wb") as console:
            process = subprocess.Popen(command, env=env, stdout=console, stderr=subprocess.STDOUT,
                                       **(popen_options or {}))
            if on_step is not None:
                on_step(step, process)
            returncode = process.wait()
        results.append(StepResult(step.task, returncode, log_dir))
        if returncode != 0:
            break
    return results
