"""The `feedback` command: the Flask CLI with the app preloaded, plus our commands.

One `register_*` function per command group. Each command parses its options, calls one
service and prints; a domain error becomes a message on stderr and a non-zero exit
(`domain_errors`). Heavy libraries are imported inside the commands that use them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup

from feedback.models.users import ROLES


def main() -> None:
    from feedback import create_app

    cli = FlaskGroup(create_app=lambda: create_app(), help="feedback: surveys and petitions.")
    cli.main(prog_name="feedback")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from exc


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@contextmanager
def domain_errors() -> Iterator[None]:
    """Services raise ValueError (bad input) or LookupError (unknown code or id) with a
    message meant for people; the CLI prints it and exits non-zero."""
    try:
        yield
    except (ValueError, LookupError) as exc:
        raise click.ClickException(str(exc) or exc.__class__.__name__) from exc


def _group(app: Flask, name: str, help_text: str) -> AppGroup:
    group = AppGroup(name, help=help_text)
    app.cli.add_command(group)
    return group


def register(app: Flask) -> None:
    register_demo(app)
    register_users(app)
    register_units(app)
    register_procedures(app)
    register_counters(app)
    register_qr(app)
    register_stats(app)
    register_tokens(app)
    register_mail(app)


def register_demo(app: Flask) -> None:
    @app.cli.command("demo")
    def demo() -> None:
        """Load the demo communes, staff and twelve months of responses (idempotent)."""
        from feedback import demo as demo_data

        if app.config["ENV"] == "production":
            raise click.ClickException(
                "refusing to load demo data (published passwords) with FEEDBACK_ENV=production")
        result = demo_data.load()
        if result.created:
            click.echo(f"Demo data loaded: {result.responses} responses.")
        else:
            click.echo("Demo data already present; nothing added.")
        click.echo(f"Demo staff logins (password: {demo_data.DEMO_PASSWORD}):")
        for email, role, unit in result.logins:
            click.echo(f"  {email:40} {role:8} {unit}")


def register_users(app: Flask) -> None:
    users = _group(app, "users", "Staff accounts.")

    @users.command("create")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--role", required=True, type=click.Choice(ROLES))
    @click.option("--unit", "unit_code", default=None,
                  help="Unit code the role applies to; omit only for the installation's admin.")
    @click.option("--name", default="")
    def users_create(email: str, password: str, role: str, unit_code: str | None,
                     name: str) -> None:
        """Create a staff account scoped to a unit and its descendants."""
        from feedback.auth.services import create_user

        with domain_errors():
            user = create_user(email, password, role, unit_code, name)
        click.echo(f"Created {user.email} ({user.role} of {unit_code or 'the installation'}).")


def register_units(app: Flask) -> None:
    units = _group(app, "units", "Units (communes, provinces).")

    @units.command("import")
    @click.argument("file", type=click.Path(dir_okay=False))
    def units_import(file: str) -> None:
        """Upsert units from a CSV with columns code,name,parent_code,kind."""
        from feedback.admin.services import import_units

        with domain_errors():
            result = import_units(_read(file))
        click.echo(f"Units: {result.created} created, {result.updated} updated.")

    @units.command("list")
    @click.option("--json", "as_json", is_flag=True)
    def units_list(as_json: bool) -> None:
        """List units with their parent."""
        from feedback.admin.services import all_units

        rows = [{"code": u.code, "name": u.name, "kind": u.kind,
                 "parent": u.parent.code if u.parent else None} for u in all_units()]
        if as_json:
            _echo_json(rows)
            return
        for r in rows:
            click.echo(f"{r['code']:20} {r['kind']:9} {r['parent'] or '-':20} {r['name']}")


def register_procedures(app: Flask) -> None:
    procedures = _group(app, "procedures", "Administrative procedures (TTHC).")

    @procedures.command("import")
    @click.argument("file", type=click.Path(dir_okay=False))
    def procedures_import(file: str) -> None:
        """Upsert procedures from a CSV with columns unit_code,code,name,field."""
        from feedback.admin.services import import_procedures

        with domain_errors():
            result = import_procedures(_read(file))
        click.echo(f"Procedures: {result.created} created, {result.updated} updated.")


def register_counters(app: Flask) -> None:
    counters = _group(app, "counters", "Counters and their QR links.")

    @counters.command("list")
    @click.option("--unit", "unit_code", required=True)
    @click.option("--json", "as_json", is_flag=True)
    def counters_list(unit_code: str, as_json: bool) -> None:
        """List a unit's counters with the link their poster carries."""
        from feedback.admin.services import counters_of
        from feedback.qr.services import counter_url

        with domain_errors():
            rows = [{"id": c.id, "name": c.name, "questionnaire": c.questionnaire,
                     "active": c.active, "url": counter_url(c)} for c in counters_of(unit_code)]
        if as_json:
            _echo_json(rows)
            return
        for r in rows:
            click.echo(f"{r['id']:>5}  {r['name']:40} {r['questionnaire']:6} {r['url']}")


def register_qr(app: Flask) -> None:
    qr = _group(app, "qr", "QR codes and printable posters.")

    @qr.command("posters")
    @click.option("--unit", "unit_code", required=True)
    @click.option("--out", required=True, type=click.Path(dir_okay=False))
    def qr_posters(unit_code: str, out: str) -> None:
        """One A4 PDF with a poster for every active counter of the unit."""
        from feedback.admin.services import counters_of
        from feedback.qr.services import posters_pdf

        with domain_errors():
            active = [c for c in counters_of(unit_code) if c.active]
        if not active:
            raise click.ClickException(f"unit {unit_code} has no active counter")
        Path(out).write_bytes(posters_pdf(active))
        click.echo(f"Wrote {len(active)} poster(s) to {out}.")

    @qr.command("png")
    @click.option("--counter", "counter_id", required=True, type=int)
    @click.option("--out", required=True, type=click.Path(dir_okay=False))
    def qr_png(counter_id: int, out: str) -> None:
        """The QR code of one counter as PNG."""
        from feedback.admin.services import counter_by_id
        from feedback.qr.services import counter_url, png_for

        counter = counter_by_id(counter_id)
        if counter is None:
            raise click.ClickException(f"no counter with id {counter_id}")
        Path(out).write_bytes(png_for(counter_url(counter)))
        click.echo(f"Wrote {out} for {counter_url(counter)}")


def register_stats(app: Flask) -> None:
    stats = _group(app, "stats", "Figures, as on the dashboard.")

    @stats.command("satisfaction")
    @click.option("--unit", "unit_code", required=True)
    @click.option("--from", "first", required=True)
    @click.option("--to", "last", required=True)
    @click.option("--json", "as_json", is_flag=True)
    def stats_satisfaction(unit_code: str, first: str, last: str, as_json: bool) -> None:
        """Service index, element indices and item rates of a unit over a period."""
        from feedback.display import STATUS_WORDS, percent
        from feedback.org import unit_by_code
        from feedback.reports.periods import parse_period
        from feedback.reports.services import satisfaction, today

        with domain_errors():
            unit = unit_by_code(unit_code)
            period = parse_period(first, last, today().date())
        result = satisfaction(unit, period)
        if as_json:
            _echo_json(result.as_dict())
            return
        s = result.summary
        click.echo(f"{unit.name} · {period.label()} · {result.responses} responses "
                   f"· aggregation: {s.mode}")
        for f in [s.service, *s.elements, *s.items]:
            click.echo(f"{f.code:4} {percent(f.value, 2):>8}  n={f.n:<5} "
                       f"{STATUS_WORDS[f.status]:20} {f.label}")


def register_tokens(app: Flask) -> None:
    tokens = _group(app, "tokens", "API tokens.")

    @tokens.command("create")
    @click.option("--email", required=True)
    @click.option("--label", default="")
    def tokens_create(email: str, label: str) -> None:
        """Print a new bearer token for the user (shown once; only its hash is kept)."""
        from feedback.auth.services import create_api_token

        with domain_errors():
            click.echo(create_api_token(email, label))

    @tokens.command("revoke")
    @click.option("--email", required=True)
    def tokens_revoke(email: str) -> None:
        """Revoke every API token of the user."""
        from feedback.auth.services import revoke_api_tokens

        with domain_errors():
            count = revoke_api_tokens(email)
        click.echo(f"Revoked {count} token(s) of {email}.")


def register_mail(app: Flask) -> None:
    mail = _group(app, "mail", "Outgoing mail (SMTP, or the admins' outbox).")

    @mail.command("send")
    def mail_send() -> None:
        """Send every pending message now (retries after an SMTP failure; cron-friendly)."""
        from feedback.mail import deliver_pending, smtp_configured

        if not smtp_configured():
            raise click.ClickException("FEEDBACK_SMTP_HOST is not set; messages stay in "
                                       "the outbox (/staff/outbox)")
        click.echo(f"Sent {deliver_pending(limit=10_000)} message(s).")

    @mail.command("outbox")
    @click.option("--json", "as_json", is_flag=True)
    def mail_outbox(as_json: bool) -> None:
        """The latest messages and their state (outbox, pending, sent, failed)."""
        from feedback.mail import outbox

        rows = [{"to": m.recipient, "subject": m.subject, "state": m.state,
                 "created_at": m.created_at.isoformat(),
                 "sent_at": m.sent_at.isoformat() if m.sent_at else None}
                for m in outbox(None)]
        if as_json:
            _echo_json(rows)
            return
        for r in rows:
            click.echo(f"{str(r['created_at'])[:16]}  {r['state']:8} {r['to']:30} {r['subject']}")
