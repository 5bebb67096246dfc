"""The `feedback` command: the Flask CLI with the app preloaded, plus our commands.

Each command parses its options, calls one service and prints; errors go to stderr with
a non-zero exit (click.ClickException).
"""

from __future__ import annotations

import json
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


def register(app: Flask) -> None:
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

    users = AppGroup("users", help="Staff accounts.")
    app.cli.add_command(users)

    @users.command("create")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--role", required=True, type=click.Choice(ROLES))
    @click.option("--unit", "unit_code", required=True, help="Unit code the role applies to.")
    @click.option("--name", default="")
    def users_create(email: str, password: str, role: str, unit_code: str, name: str) -> None:
        """Create a staff account scoped to a unit and its descendants."""
        from feedback.auth.services import AuthError, create_user

        try:
            user = create_user(email, password, role, unit_code, name)
        except AuthError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Created {user.email} ({user.role} of {unit_code}).")

    units = AppGroup("units", help="Units (communes, provinces).")
    app.cli.add_command(units)

    @units.command("import")
    @click.argument("file", type=click.Path(dir_okay=False))
    def units_import(file: str) -> None:
        """Upsert units from a CSV with columns code,name,parent_code,kind."""
        from feedback.admin.services import CsvImportError, import_units

        try:
            result = import_units(_read(file))
        except CsvImportError as exc:
            raise click.ClickException(str(exc)) from exc
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

    procedures = AppGroup("procedures", help="Administrative procedures (TTHC).")
    app.cli.add_command(procedures)

    @procedures.command("import")
    @click.argument("file", type=click.Path(dir_okay=False))
    def procedures_import(file: str) -> None:
        """Upsert procedures from a CSV with columns unit_code,code,name,field."""
        from feedback.admin.services import CsvImportError, import_procedures

        try:
            result = import_procedures(_read(file))
        except CsvImportError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Procedures: {result.created} created, {result.updated} updated.")

    counters = AppGroup("counters", help="Counters and their QR links.")
    app.cli.add_command(counters)

    @counters.command("list")
    @click.option("--unit", "unit_code", required=True)
    @click.option("--json", "as_json", is_flag=True)
    def counters_list(unit_code: str, as_json: bool) -> None:
        """List a unit's counters with the link their poster carries."""
        from feedback.admin.services import counters_of
        from feedback.qr.services import counter_url

        try:
            rows = [{"id": c.id, "name": c.name, "questionnaire": c.questionnaire,
                     "active": c.active, "url": counter_url(c)} for c in counters_of(unit_code)]
        except LookupError as exc:
            raise click.ClickException(f"no unit with code {unit_code!r}") from exc
        if as_json:
            _echo_json(rows)
            return
        for r in rows:
            click.echo(f"{r['id']:>5}  {r['name']:40} {r['questionnaire']:6} {r['url']}")

    qr = AppGroup("qr", help="QR codes and printable posters.")
    app.cli.add_command(qr)

    @qr.command("posters")
    @click.option("--unit", "unit_code", required=True)
    @click.option("--out", required=True, type=click.Path(dir_okay=False))
    def qr_posters(unit_code: str, out: str) -> None:
        """One A4 PDF with a poster for every active counter of the unit."""
        from feedback.admin.services import counters_of
        from feedback.qr.services import posters_pdf

        try:
            active = [c for c in counters_of(unit_code) if c.active]
        except LookupError as exc:
            raise click.ClickException(f"no unit with code {unit_code!r}") from exc
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

    stats = AppGroup("stats", help="Figures, as on the dashboard.")
    app.cli.add_command(stats)

    @stats.command("satisfaction")
    @click.option("--unit", "unit_code", required=True)
    @click.option("--from", "first", required=True)
    @click.option("--to", "last", required=True)
    @click.option("--json", "as_json", is_flag=True)
    def stats_satisfaction(unit_code: str, first: str, last: str, as_json: bool) -> None:
        """Service index, element indices and item rates of a unit over a period."""
        from feedback.display import STATUS_WORDS, percent
        from feedback.reports.periods import PeriodError, parse_period
        from feedback.reports.services import UnknownUnit, satisfaction, today, unit_by_code

        try:
            unit = unit_by_code(unit_code)
            period = parse_period(first, last, today().date())
        except UnknownUnit as exc:
            raise click.ClickException(f"no unit with code {unit_code!r}") from exc
        except PeriodError as exc:
            raise click.ClickException(str(exc)) from exc
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

    tokens = AppGroup("tokens", help="API tokens.")
    app.cli.add_command(tokens)

    @tokens.command("create")
    @click.option("--email", required=True)
    @click.option("--label", default="")
    def tokens_create(email: str, label: str) -> None:
        """Print a new bearer token for the user (shown once; only its hash is kept)."""
        from feedback.auth.services import AuthError, create_api_token

        try:
            click.echo(create_api_token(email, label))
        except AuthError as exc:
            raise click.ClickException(str(exc)) from exc

    @tokens.command("revoke")
    @click.option("--email", required=True)
    def tokens_revoke(email: str) -> None:
        """Revoke every API token of the user."""
        from feedback.auth.services import AuthError, revoke_api_tokens

        try:
            count = revoke_api_tokens(email)
        except AuthError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Revoked {count} token(s) of {email}.")
