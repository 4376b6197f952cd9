"""Flask CLI: `flask --app wsgi db upgrade|downgrade|revision|check`, `create-user`, `seed-demo`,
`push-worker`."""

import os
import secrets
import signal
import threading
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from services import attachments, demo, departments, users
from services.db import session
from services.errors import DomainError
from services.principals import SYSTEM
from services.push import backends
from services.push.dispatcher import Dispatcher, Settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None, connection=None):
    # Alembic is imported only by the commands that use it: API workers never migrate, and importing it
    # would add a tenth to every worker's start.
    from alembic.config import Config

    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", (url or current_app.config["DATABASE_URL"]).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _alembic(command_name: str, *args, **kwargs) -> None:
    """Run an Alembic command on the configured database."""
    from alembic import command

    getattr(command, command_name)(alembic_config(), *args, **kwargs)


@click.group("db", cls=AppGroup, help="Database migrations (Alembic).")
def db_group():
    pass


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision):
    """Migrate the configured database up to REVISION (default: head)."""
    _alembic("upgrade", revision)


@db_group.command("downgrade")
@click.argument("revision", default="-1")
def downgrade(revision):
    """Migrate down to REVISION (default: one step)."""
    _alembic("downgrade", revision)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True, help="Diff the models against the database.")
def revision(message, autogenerate):
    """Write a new migration in migrations/versions/."""
    _alembic("revision", message=message, autogenerate=autogenerate)


@db_group.command("check")
def check():
    """Fail when the models and the migrations disagree."""
    _alembic("check")


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(["admin", "editor", "officer", "viewer"]), required=True)
@click.option("--department", "department_code", help="Department code (required except for admins).")
def create_user(email, password, role, department_code):
    """Create a staff user."""
    data = {"email": email, "password": password, "role": role}
    if department_code:
        department = departments.by_code(session(), department_code)
        if department is None:
            raise click.ClickException(f"No department with code {department_code}.")
        data["department_id"] = department.id
    try:
        user, created = users.ensure(session(), SYSTEM, data)
    except DomainError as error:  # e.g. an admin given a department
        fields = error.extra.get("errors", {})
        reasons = "".join(f" {field}: {' '.join(map(str, messages))}" for field, messages in fields.items())
        raise click.ClickException(error.detail + reasons) from None
    if not created:
        raise click.ClickException(f"A user with email {user.email} exists.")
    click.echo(f"Created {role} {user.email} ({user.id}).")


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Load idempotent demo data: a province's departments, focal points, categories and an admin."""
    credentials = Path(current_app.instance_path) / "demo-admin-password.txt"
    password = credentials.read_text().strip() if credentials.exists() else secrets.token_urlsafe(12)
    created = demo.seed(session(), admin_password=password)
    if created:
        credentials.write_text(password + "\n")
        os.chmod(credentials, 0o600)
    click.echo(f"Demo data ready. Sign in as {demo.ADMIN_EMAIL} with password: {password}")


@click.command("push-worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Do one pass and exit (for cron or debugging).")
def push_worker(once):
    """Send queued push notifications and keep device topic subscriptions in step (runs until stopped)."""
    config = current_app.config
    dispatcher = Dispatcher(
        session,
        backends.from_config(config),
        Settings(
            lease=timedelta(seconds=config["PUSH_LEASE_SECONDS"]),
            max_attempts=config["PUSH_MAX_ATTEMPTS"],
            poll_interval=config["PUSH_POLL_INTERVAL"],
            backoff_base=config["PUSH_BACKOFF_SECONDS"],
        ),
    )
    if once:
        click.echo(f"push-worker: {dispatcher.run_once()} items handled")
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    dispatcher.run(stop)


@click.command("purge-uploads")
@with_appcontext
@click.option("--days", type=click.IntRange(min=1), default=attachments.UNUSED_KEPT.days, show_default=True)
def purge_uploads(days):
    """Delete uploaded files no feedback or reply used within DAYS (run daily, e.g. from cron)."""
    click.echo(f"Deleted {attachments.purge_unused(session(), timedelta(days=days))} unused uploads.")


def register(app: Flask) -> None:
    for cmd in (db_group, create_user, seed_demo, push_worker, purge_uploads):
        app.cli.add_command(cmd)
