"""Scheduled robot runs: schedule files, the scheduler, workers and alerts.

Kept free of imports on purpose: ``python -m finrpa.runs.guard`` starts once per robot step.

* pure core: ``triggers``/``walltime`` (when), ``schedules``/``schedule_models`` (files),
  ``policy`` (overlap, catch-up, jitter, retries), ``alerts`` (which mail, what it says);
* storage: ``store`` (runs, schedule state; exactly-once firings, leases), ``reads``,
  ``outbox`` (alert outbox and the SMTP sender);
* processes: ``scheduler``, ``worker`` (with ``guard``), ``robots`` (running a robot's steps);
* for the CLI and the web app: ``service`` (list_runs, get_run, run_log_path), ``settings``.
"""
