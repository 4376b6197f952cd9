"""Flask CLI: `flask --app wsgi db upgrade|downgrade|revision|check`, `create-user`, `seed-demo`,
`worker` (alias `push-worker`), `sweep-overdue`, `purge-uploads`, `retention`."""

import gc
import os
import secrets
import signal
import threading
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from api import worker as outbox_worker
from api.database import database, session
from services import demo
from services.core.errors import DomainError
from services.directory import departments
from services.feedback import workflow
from services.files import attachments
from services.identity import users
from services.identity.principals import SYSTEM
from services.outbox.channels.zalo_api import ZaloError
from services.privacy import retention
from services.zalo import oa_tokens

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
    """Load idempotent demo data: Đà Nẵng's departments, categories, forms, notices and demo staff (an
    admin, an editor and an officer), whose passwords are kept in instance/demo-<role>-password.txt, and
    the city portal's API key, kept in instance/demo-api-key.txt."""
    files = {role: Path(current_app.instance_path) / f"demo-{role}-password.txt" for role in demo.USERS}
    passwords = {
        role: path.read_text().strip() if path.exists() else secrets.token_urlsafe(12)
        for role, path in files.items()
    }
    created = demo.seed(session(), passwords=passwords)
    click.echo("Demo data ready.")
    for role, (email, _, _) in demo.USERS.items():
        if role in created:
            _write_private(files[role], passwords[role] + "\n")
        if files[role].exists():
            click.echo(f"Sign in as {email} with password: {passwords[role]} (kept in {files[role]})")
        else:
            click.echo(f"{email} existed before; its password is not in {files[role]}.")
    key_file = Path(current_app.instance_path) / "demo-api-key.txt"
    key, new = demo.portal_key(session(), key_file.read_text().strip() if key_file.exists() else None)
    if new:
        _write_private(key_file, key + "\n")
    click.echo(f"The city portal's API key (Open311, feedback:read/write): {key} (kept in {key_file})")


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read, from its first byte."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT
    with open(descriptor, "w") as file:
        file.write(text)


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Do one pass and exit (for cron or debugging).")
def worker(once):
    """Send the outbox's deliveries on every channel and run the periodic chores (runs until stopped)."""
    running = outbox_worker.from_config(database(), current_app.config)
    if once:
        click.echo(f"worker: {running.run_once()} items handled")
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    # Start-up's objects (the app and its libraries, half a million) are never garbage: out of the
    # collector's sight, a full collection walks only what the passes made. Each walked them all with
    # every sending thread stalled, about 40 ms of each 500-message batch of a fan-out (bench section 5).
    # A batch allocates in a burst (firebase-admin's 500 threads): collecting the youngest objects every
    # 20,000 allocations rather than 700 lets most die first instead of being promoted and walked again.
    # GC then took 6 ms of a batch, against 53 ms before either.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
    running.run(stop)


push_worker = click.Command("push-worker", callback=worker.callback, params=worker.params, help=worker.help)


@click.command("sweep-overdue")
@with_appcontext
def sweep_overdue():
    """Announce `feedback.overdue` for open feedback past its deadline, once per deadline: the worker's
    chore, run once (cron, or after downtime; running it beside workers is safe)."""
    total = 0
    while found := workflow.announce_overdue(session()):
        total += found
    click.echo(f"{total} feedback newly overdue.")


@click.command("purge-uploads")
@with_appcontext
@click.option("--days", type=click.IntRange(min=1), default=attachments.UNUSED_KEPT.days, show_default=True)
def purge_uploads(days):
    """Delete uploaded files no feedback or reply used within DAYS (run daily, e.g. from cron)."""
    click.echo(f"Deleted {attachments.purge_unused(session(), timedelta(days=days))} unused uploads.")


@click.command("retention")
@with_appcontext
def retention_job():
    """Remove what the retention schedule (RETENTION_* settings) says is kept no longer; prints what each
    rule removed (run daily, e.g. from cron; the worker also runs it once a day)."""
    schedule = retention.Schedule.from_config(current_app.config)
    for rule, count in retention.run(session(), schedule).items():
        click.echo(f"{rule}: {count} removed")


@click.command("zalo-oa-token")
@with_appcontext
@click.argument("refresh_token")
def zalo_oa_token(refresh_token):
    """Give the Official Account's first refresh token (from granting the app the OA's permissions): it
    is exchanged at once for the token pair the worker sends ZNS with and keeps refreshing."""
    settings, client = current_app.extensions["zalo_settings"], current_app.extensions["zalo"]
    if client is None or not settings.oa_id:
        raise click.ClickException("Set ZALO_APP_ID, ZALO_APP_SECRET and ZALO_OA_ID first (docs/zalo.md).")
    try:
        row = oa_tokens.store(session(), client, settings.oa_id, refresh_token)
    except ZaloError as error:
        raise click.ClickException(f"Zalo refused the refresh token: {error.message}") from None
    click.echo(
        f"OA token stored; the worker refreshes it from now on (this one is valid until {row.expires_at})."
    )


def register(app: Flask) -> None:
    commands = (
        db_group,
        create_user,
        seed_demo,
        worker,
        push_worker,
        sweep_overdue,
        purge_uploads,
        retention_job,
        zalo_oa_token,
    )
    for cmd in commands:
        app.cli.add_command(cmd)
