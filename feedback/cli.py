"""The `feedback` command: the Flask CLI with the app preloaded, plus our commands.

One `register_*` function per command group. Each command parses its options, calls one
service and prints; a domain error becomes a message on stderr and a non-zero exit
(`domain_errors`). Heavy libraries are imported inside the commands that use them.
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup

#: The commands that need the app's pages: the development server, and what inspects them.
PAGE_COMMANDS = frozenset({"run", "routes", "shell"})


def main() -> None:
    """The console script. A short command's time is mostly start-up, kept short (about
    0.4 s for `feedback --help`, 1.8 s before) three ways:

    - the app is built with `warm=False`: no matplotlib, fpdf2, qrcode or holidays until
      a command draws or counts days, and Flask-Migrate only for `db` commands;
    - and without its pages (`views=False`) unless the command serves or lists them
      (`run`, `routes`, `shell`): no command builds a URL from a route, and importing the
      fifteen blueprints' modules took 0.16 s;
    - the garbage collector is paused while the modules' ~110,000 long-lived objects are
      created, then told to leave them alone (`gc.freeze`): it would otherwise walk them
      all several times during start-up and again at exit, about 0.3 s of finding no
      garbage. Objects a command creates are collected as usual.
    """
    gc.disable()
    from feedback import create_app

    words = [a for a in sys.argv[1:] if not a.startswith("-")]
    views = bool(words) and words[0] in PAGE_COMMANDS

    def build() -> Flask:
        try:
            return create_app(warm=False, views=views)
        finally:
            gc.freeze()
            gc.enable()

    cli = FlaskGroup(create_app=build, help="feedback: surveys and petitions.")
    cli.main(prog_name="feedback")


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
    register_report(app)
    register_tokens(app)
    register_mail(app)
    register_petitions(app)
    register_dossiers(app)
    register_calendar(app)
    register_sla(app)
    register_aggregates(app)


def register_demo(app: Flask) -> None:
    @app.cli.command("demo")
    def demo() -> None:
        """Load the demo communes, staff, twelve months of responses and three months of
        petitions (idempotent)."""
        from feedback import demo as demo_data

        if app.config["ENV"] == "production":
            raise click.ClickException(
                "refusing to load demo data (published passwords) with FEEDBACK_ENV=production")
        result = demo_data.load()
        if result.created:
            click.echo(f"Demo data loaded: {result.responses} responses, "
                       f"{result.petitions} petitions.")
        else:
            click.echo("Demo data already present; nothing added.")
        click.echo(f"Demo staff logins (password: {demo_data.DEMO_PASSWORD}):")
        for email, role, unit in result.logins:
            click.echo(f"  {email:40} {role:8} {unit or '(every unit)'}")


def register_users(app: Flask) -> None:
    # Here, not at the top: importing this module must stay light, since `main` pauses
    # the garbage collector only once it runs (the models import SQLAlchemy).
    from feedback.models.users import ROLES

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
        from feedback.users.services import NewAccount, create_account

        with domain_errors():
            user = create_account(None, NewAccount(email=email, role=role, unit_code=unit_code,
                                                   name=name, password=password)).user
        click.echo(f"Created {user.email} ({user.role} of {unit_code or 'the installation'}).")

    @users.command("list")
    @click.option("--json", "as_json", is_flag=True)
    def users_list(as_json: bool) -> None:
        """Every account with role, unit (none: the installation), state and last login."""
        from feedback.users.services import users_in_scope

        rows = [{"email": u.email, "role": u.role, "unit": u.unit.code if u.unit else None,
                 "active": u.active,
                 "last_login": u.last_login_at.isoformat() if u.last_login_at else None}
                for u in users_in_scope(None)]
        if as_json:
            _echo_json(rows)
            return
        for r in rows:
            click.echo(f"{r['email']:40} {r['role']:8} {r['unit'] or '(installation)':20} "
                       f"{'active' if r['active'] else 'disabled':9} {r['last_login'] or '-'}")

    @users.command("disable")
    @click.option("--email", required=True)
    def users_disable(email: str) -> None:
        """Disable an account: its sessions and API tokens stop at once."""
        from feedback.users.services import set_active, user_by_email

        with domain_errors():
            set_active(None, user_by_email(None, email), False)
        click.echo(f"Disabled {email.strip().lower()}.")

    @users.command("enable")
    @click.option("--email", required=True)
    def users_enable(email: str) -> None:
        """Enable a disabled account again (old sessions stay ended)."""
        from feedback.users.services import set_active, user_by_email

        with domain_errors():
            set_active(None, user_by_email(None, email), True)
        click.echo(f"Enabled {email.strip().lower()}.")

    @users.command("set-role")
    @click.option("--email", required=True)
    @click.option("--role", required=True, type=click.Choice(ROLES))
    @click.option("--unit", "unit_code", default=None,
                  help="New unit code; omitted: the account keeps its unit.")
    @click.option("--installation", is_flag=True,
                  help="Make the account the installation's admin (no unit; role admin).")
    def users_set_role(email: str, role: str, unit_code: str | None,
                       installation: bool) -> None:
        """Change an account's role and/or unit."""
        from feedback.users.services import change_placement, user_by_email

        if installation and unit_code:
            raise click.ClickException("--installation and --unit exclude each other")
        with domain_errors():
            user = user_by_email(None, email)
            code = None if installation else unit_code or (user.unit.code if user.unit else None)
            change_placement(None, user, role, code)
        click.echo(f"{user.email} is now {user.role} of {code or 'the installation'}.")

    @users.command("reset-password")
    @click.option("--email", required=True)
    def users_reset_password(email: str) -> None:
        """A one-time link to set a new password (24 hours): mailed when SMTP is set up,
        else printed here (it also waits in the outbox)."""
        from feedback.users.services import request_password_reset, user_by_email

        with domain_errors():
            user = user_by_email(None, email)
            link = request_password_reset(None, user)
        click.echo(f"sent to {user.email}" if link.mailed else link.url)


def register_units(app: Flask) -> None:
    units = _group(app, "units", "Units (communes, provinces).")

    @units.command("import")
    @click.argument("file", type=click.Path(dir_okay=False))
    def units_import(file: str) -> None:
        """Upsert units from a CSV (UTF-8) or XLSX file with columns code,name,parent_code,kind.
        Any problem refuses the whole file, one line per problem; nothing is stored."""
        from feedback.admin.imports import read_path
        from feedback.admin.units import import_units

        with domain_errors():
            result = import_units(read_path(file), file)
        click.echo(f"Units: {result.created} created, {result.updated} updated, "
                   f"{result.unchanged} unchanged.")

    @units.command("list")
    @click.option("--json", "as_json", is_flag=True)
    def units_list(as_json: bool) -> None:
        """List units with their parent."""
        from feedback.admin.units import all_units

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
        """Upsert procedures from a CSV (UTF-8) or XLSX file with columns
        unit_code,code,name,field. Any problem refuses the whole file; nothing is stored."""
        from feedback.admin.imports import read_path
        from feedback.admin.procedures import import_procedures

        with domain_errors():
            result = import_procedures(read_path(file), file)
        click.echo(f"Procedures: {result.created} created, {result.updated} updated, "
                   f"{result.unchanged} unchanged.")


def register_counters(app: Flask) -> None:
    counters = _group(app, "counters", "Counters and their QR links.")

    @counters.command("list")
    @click.option("--unit", "unit_code", required=True)
    @click.option("--json", "as_json", is_flag=True)
    def counters_list(unit_code: str, as_json: bool) -> None:
        """List a unit's counters (active first) with their poster's link and typed code."""
        from feedback.admin.counters import counters_of
        from feedback.links import format_short_code
        from feedback.org import unit_by_code
        from feedback.qr.services import counter_url

        with domain_errors():
            lists = counters_of(unit_by_code(unit_code))
        rows = [{"id": c.id, "name": c.name, "questionnaire": c.questionnaire,
                 "active": c.active, "url": counter_url(c),
                 "code": format_short_code(c.short_code or "")}
                for c in [*lists.active, *lists.inactive]]
        if as_json:
            _echo_json(rows)
            return
        for r in rows:
            state = "" if r["active"] else " (inactive)"
            click.echo(f"{r['id']:>5}  {r['name']:40} {r['questionnaire']:6} {r['code']:9} "
                       f"{r['url']}{state}")

    @counters.command("create")
    @click.option("--unit", "unit_code", required=True)
    @click.option("--name", required=True)
    @click.option("--questionnaire", default="short", show_default=True)
    def counters_create(unit_code: str, name: str, questionnaire: str) -> None:
        """Add a counter to a commune; prints its id and the link its poster carries."""
        from feedback.admin.counters import create
        from feedback.links import format_short_code
        from feedback.org import unit_by_code
        from feedback.qr.services import counter_url

        with domain_errors():
            counter = create(unit_by_code(unit_code), name, questionnaire)
        click.echo(f"Created counter {counter.id} ({counter.name}) at {unit_code}: "
                   f"{counter_url(counter)} (code {format_short_code(counter.short_code or '')})")

    @counters.command("deactivate")
    @click.option("--id", "counter_id", required=True, type=int)
    def counters_deactivate(counter_id: int) -> None:
        """Stop a counter: its poster stops working; forms already open are accepted for
        REVOKE_GRACE_MINUTES more. History is kept."""
        from feedback.admin.counters import counter_by_id, deactivate

        with domain_errors():
            counter = counter_by_id(counter_id)
        until = deactivate(counter)
        if until is None:
            click.echo(f"Counter {counter.id} ({counter.name}) was already inactive.")
            return
        click.echo(f"Deactivated counter {counter.id} ({counter.name}); forms already open "
                   f"are accepted until {until:%Y-%m-%d %H:%M} UTC.")


def register_qr(app: Flask) -> None:
    qr = _group(app, "qr", "QR codes and printable posters.")

    @qr.command("posters")
    @click.option("--unit", "unit_code", required=True)
    @click.option("--out", required=True, type=click.Path(dir_okay=False))
    def qr_posters(unit_code: str, out: str) -> None:
        """One A4 PDF with a poster for every active counter of a commune."""
        from feedback.org import unit_by_code
        from feedback.qr.services import communes_with_counters, posters_pdf, unit_counters

        with domain_errors():
            unit = unit_by_code(unit_code)
        active = unit_counters(unit)
        if not active and unit.kind == "province":
            communes = [f"  {u.code:20} {n:>3} counter(s)  {u.name}"
                        for u, n in communes_with_counters(unit)]
            raise click.ClickException(
                f"unit {unit_code} is a province and has no active counter of its own: "
                "counters belong to its communes. Run this command with --unit set to one of:\n"
                + ("\n".join(communes) or "  (no active commune under it yet)"))
        if not active:
            raise click.ClickException(
                f"unit {unit_code} has no active counter; add one with "
                f"`feedback counters create --unit {unit_code} --name NAME`")
        Path(out).write_bytes(posters_pdf(active))
        click.echo(f"Wrote {len(active)} poster(s) to {out}.")

    @qr.command("png")
    @click.option("--counter", "counter_id", required=True, type=int)
    @click.option("--out", required=True, type=click.Path(dir_okay=False))
    def qr_png(counter_id: int, out: str) -> None:
        """The QR code of one counter as PNG."""
        from feedback.admin.counters import counter_by_id
        from feedback.qr.services import counter_url, png_for

        with domain_errors():
            counter = counter_by_id(counter_id)
        Path(out).write_bytes(png_for(counter_url(counter)))
        click.echo(f"Wrote {out} for {counter_url(counter)}")


def register_report(app: Flask) -> None:
    @app.cli.command("report")
    @click.argument("kind", type=click.Choice(["monthly", "quarterly", "yearly"]))
    @click.option("--unit", "unit_code", required=True)
    @click.option("--period", "raw_period", required=True,
                  help="2026-10 (monthly), 2026-Q3 (quarterly) or 2026 (yearly).")
    @click.option("--format", "fmt", type=click.Choice(["pdf", "docx", "xlsx"]),
                  help="By default the --out file's extension.")
    @click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                  required=True)
    @click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
                  help="The PDF's and the DOCX's language; the workbook is always "
                       "Vietnamese (the province's data format).")
    def report(kind: str, unit_code: str, raw_period: str, fmt: str | None,
               out: Path, lang: str) -> None:
        """The periodic report of a unit and the units below it: satisfaction against
        90%, petitions on time against 100%, compared with the previous period, the same
        period last year and the year to date, the units below ranked."""
        from feedback import settle_heap
        from feedback.org import unit_by_code
        from feedback.reports import periodic, report_files
        from feedback.reports.periods import report_period

        fmt = fmt or out.suffix.lstrip(".").lower()
        if fmt not in report_files.FORMATS:
            raise click.UsageError("--format pdf, docx or xlsx, or an --out file ending "
                                   "in one")
        if fmt != "xlsx":  # the charts' matplotlib, imported before the heap is settled
            from feedback.reports import charts  # noqa: F401
        # A province's year builds hundreds of thousands of objects: with the modules out
        # of the collector's reach its passes are short (10% less CPU for the PDF). Not
        # in a test, whose process goes on.
        if not current_app.testing:
            settle_heap(collect=False)
        with domain_errors():
            unit = unit_by_code(unit_code)
            period = report_period(kind, raw_period)
        # A province's year takes seconds: on a terminal, say which step is running.
        with click.progressbar(length=3, label="Báo cáo", file=sys.stderr,
                               hidden=not sys.stderr.isatty(),
                               item_show_func=lambda step: step) as bar:
            bar.update(0, "số liệu")
            report = periodic.build(unit, kind, period)
            bar.update(1, "biểu đồ")
            draft = report_files.drawn(unit, report, with_charts=fmt != "xlsx", lang=lang)
            bar.update(1, fmt.upper())
            data = report_files.render(draft, fmt)
            bar.update(1, "xong")
        out.write_bytes(data)
        click.echo(f"{out} ({fmt}): {unit.name}, {period.label()}")


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

    @stats.command("petitions")
    @click.option("--unit", "unit_code", required=True)
    @click.option("--from", "first", required=True, help="First day (YYYY-MM-DD).")
    @click.option("--to", "last", required=True, help="Last day (YYYY-MM-DD).")
    @click.option("--json", "as_json", is_flag=True)
    def stats_petitions(unit_code: str, first: str, last: str, as_json: bool) -> None:
        """PAKN figures of a unit and the units below it over a period: received, answered
        on time and late, open in time and overdue, the on-time rate against 100%."""
        from feedback.org import unit_by_code
        from feedback.petitions import clock
        from feedback.petitions.stats import figures_for
        from feedback.reports.periods import parse_period

        with domain_errors():
            unit = unit_by_code(unit_code)
            period = parse_period(first, last, clock.today())
        data = figures_for(unit, period).as_dict()
        if as_json:
            _echo_json(data)
            return
        for line in _petition_figures_text(unit.name, period.label(), data):
            click.echo(line)


def register_tokens(app: Flask) -> None:
    tokens = _group(app, "tokens", "API tokens.")

    @tokens.command("create")
    @click.option("--email", required=True)
    @click.option("--label", default="")
    @click.option("--days", type=click.IntRange(1, 3660), default=None,
                  help="Valid this many days (default FEEDBACK_API_TOKEN_DAYS, 90).")
    def tokens_create(email: str, label: str, days: int | None) -> None:
        """Print a new bearer token for the user (shown once; only its hash is kept)."""
        from feedback.auth.services import create_api_token

        with domain_errors():
            click.echo(create_api_token(email, label, days))

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
        from feedback.mail import deliver_pending, mark_interrupted, smtp_configured

        if not smtp_configured():
            raise click.ClickException("FEEDBACK_SMTP_HOST is not set; messages stay in "
                                       "the outbox (/staff/outbox)")
        interrupted = mark_interrupted()
        if interrupted:
            click.echo(f"{interrupted} message(s) were interrupted while sending earlier; "
                       "marked failed, not resent (see the outbox).", err=True)
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


def register_petitions(app: Flask) -> None:
    petitions = _group(app, "petitions", "Petitions (PAKN): the paper register, listings.")

    @petitions.command("import")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--json", "as_json", is_flag=True)
    def petitions_import(file: str, as_json: bool) -> None:
        """Import a paper register (CSV UTF-8 or XLSX) with columns unit_code, channel,
        received_at, sender_name, sender_address, sender_phone, sender_email, category,
        content, answered_at, answer (times local YYYY-MM-DD HH:MM). Any problem refuses
        the whole file, one line per problem; nothing is stored."""
        from feedback.admin.imports import read_path
        from feedback.links import format_short_code
        from feedback.petitions.register import import_register

        with domain_errors():
            stored = import_register(read_path(file), file)
        if as_json:
            _echo_json([row.as_dict() for row in stored])
            return
        answered = sum(row.status == "answered" for row in stored)
        gop_y = sum(row.kind == "gop_y" for row in stored)
        click.echo(f"Đã nhập {len(stored)} phản ánh, kiến nghị: {answered} đã trả lời, "
                   f"{len(stored) - answered} đang xử lý"
                   + (f" ({gop_y} là góp ý ẩn danh)." if gop_y else "."))
        for row in stored:
            click.echo(f"  dòng {row.line:>5}  {format_short_code(row.code):10} "
                       f"hạn trả lời {row.reply_due}")

    @petitions.command("list")
    @click.option("--unit", "unit_code", required=True,
                  help="Unit code; the units below it are included.")
    @click.option("--status", default=None, help="Only this status (received, in_progress, "
                  "waiting_citizen, answered, published, transferred, rejected, archived).")
    @click.option("--json", "as_json", is_flag=True)
    def petitions_list(unit_code: str, status: str | None, as_json: bool) -> None:
        """A unit's petitions, newest first: code, unit, channel, status, dates, on time."""
        from feedback.links import format_short_code
        from feedback.org import descendant_ids, unit_by_code
        from feedback.petitions.stats import STATUSES, listing

        with domain_errors():
            unit = unit_by_code(unit_code)
            if status is not None and status not in STATUSES:
                raise ValueError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
            rows = listing(descendant_ids(unit.id), status)
        if as_json:
            _echo_json(rows)
            return
        for r in rows:
            on_time = {None: "-", True: "đúng hạn", False: "quá hạn"}[r["on_time"]]
            click.echo(f"{format_short_code(r['code']):10} {r['unit']:16} {r['channel']:8} "
                       f"{r['status']:16} {r['received_at'][:16]}  hạn {r['reply_due']}  "
                       f"{on_time}")


def register_dossiers(app: Flask) -> None:
    dossiers = _group(app, "dossiers", "Dossiers (hồ sơ TTHC) from the province's system.")

    @dossiers.command("import")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--unit", "unit_code", default=None,
                  help="The unit of rows without a unit column (or with it empty); rows "
                       "naming a unit must name this one or one below it.")
    def dossiers_import(file: str, unit_code: str | None) -> None:
        """Import the TTHC system's export (CSV UTF-8 or XLSX): dossier code, procedure,
        received, due and returned dates, the columns found by their headers (README,
        "Dossiers"). Only the code's keyed hash is stored; a dossier imported before is
        updated. Any problem refuses the whole file, one line per problem."""
        from feedback.dossiers.services import import_dossiers

        with domain_errors():
            result = import_dossiers(file, unit_code)
        click.echo(f"Hồ sơ: đã đọc {result.read} dòng; {result.new} mới, {result.updated} "
                   f"cập nhật, {result.unchanged} không đổi, {result.rejected} bị từ chối.")


def day_of(text: str) -> date:
    from feedback.reports.periods import MAX_YEAR, MIN_YEAR, parse_date

    try:
        day = parse_date(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:  # the calendar page shows only these
        raise click.BadParameter(f"the year must be {MIN_YEAR}–{MAX_YEAR}")
    return day


def register_calendar(app: Flask) -> None:
    calendar = _group(app, "calendar", "Working days: holidays and the admin's days off / "
                                       "make-up days.")

    @calendar.command("show")
    @click.option("--year", required=True, type=click.IntRange(2000, 2100))
    @click.option("--json", "as_json", is_flag=True)
    def calendar_show(year: int, as_json: bool) -> None:
        """The year's exceptions to Monday–Friday: public holidays (holidays package),
        swapped working Saturdays, and the admin's own days (source admin)."""
        from feedback.petitions import clock

        rows = [{"date": e.day.isoformat(), "working": e.working, "name": e.name,
                 "source": e.source} for e in clock.entries(year)]
        if as_json:
            _echo_json(rows)
            return
        for r in rows:
            click.echo(f"{r['date']}  {'làm việc' if r['working'] else 'nghỉ':9} "
                       f"{r['source']:8} {r['name']}")

    @calendar.command("set")
    @click.option("--date", "day_text", required=True, help="The day (YYYY-MM-DD).")
    @click.option("--work/--off", "working", default=None,
                  help="--off: an extra day off; --work: a make-up working day.")
    @click.option("--note", default="", help="Why (e.g. the decision that announced it).")
    def calendar_set(day_text: str, working: bool | None, note: str) -> None:
        """Mark a day off or a working day over the holidays package; every open deadline
        is recomputed at once."""
        from feedback.petitions import clock
        from feedback.text_rules import TextRefused, clean_line

        if working is None:
            raise click.UsageError("say --off (a day off) or --work (a working day)")
        day = day_of(day_text)
        try:
            note = clean_line(note, 200, required=False)
        except TextRefused as exc:
            raise click.BadParameter(f"--note {exc}") from None
        moved = clock.set_day(day, working, note, None)
        click.echo(f"{day.isoformat()}: {'làm việc' if working else 'nghỉ'}. "
                   f"Đã tính lại hạn của {moved} phản ánh, kiến nghị đang mở.")

    @calendar.command("unset")
    @click.option("--date", "day_text", required=True, help="The day (YYYY-MM-DD).")
    def calendar_unset(day_text: str) -> None:
        """Remove the admin's entry for a day (the holidays package decides again); every
        open deadline is recomputed at once."""
        from feedback.petitions import clock

        day = day_of(day_text)
        moved = clock.unset_day(day, None)
        if moved is None:
            raise click.ClickException(f"no entry of the admin table on {day.isoformat()}")
        click.echo(f"{day.isoformat()}: đã bỏ. "
                   f"Đã tính lại hạn của {moved} phản ánh, kiến nghị đang mở.")


def register_sla(app: Flask) -> None:
    sla = _group(app, "sla", "The petitions' deadlines: reminders and escalations.")

    @sla.command("tick")
    def sla_tick() -> None:
        """Recompute open deadlines, mail each assignee a digest of what is due within 2
        working days or overdue, escalate overdue petitions to the unit's leaders, remind
        them of unclassified ones, then send (SMTP) or keep in the outbox. A message is
        never sent twice, so run it from cron as often as you like, e.g.
        `*/30 7-17 * * 1-6  feedback sla tick`. It also mails each unit's leaders the draft
        of a periodic report due within REPORT_REMIND_DAYS working days (its schedule is
        set on the report's page), once per report and leader."""
        from feedback.petitions.sla import tick
        from feedback.reports.issued import remind

        reports = remind()  # queued first: the tick's delivery sends them too
        result = tick()
        click.echo(f"Đã tính lại hạn: {result.recomputed} phản ánh, kiến nghị.")
        click.echo(f"Thư mới: {result.digests} thư nhắc việc, {result.escalations} thư báo "
                   f"quá hạn, {result.classify_reminders} thư nhắc phân loại, {reports} thư "
                   "nhắc nộp báo cáo (kèm bản dự thảo).")
        if result.without_recipient:
            click.echo(f"{result.without_recipient} phản ánh, kiến nghị quá hạn hoặc chưa phân "
                       "loại mà đơn vị (và các cấp trên) không có lãnh đạo hay quản trị nào "
                       "để báo.", err=True)
        if result.smtp:
            click.echo(f"Đã gửi {result.sent} thư.")
        elif result.queued or reports:
            click.echo("Chưa cấu hình SMTP (FEEDBACK_SMTP_HOST): thư nằm trong hộp thư đi "
                       "(/staff/outbox).")


def _petition_figures_text(unit_name: str, period_label: str,
                           data: dict[str, Any]) -> list[str]:
    """`feedback stats petitions` for people: the rate against 100%, the counts, the
    late items with their reasons."""
    from feedback.display import percent

    rate = data["on_time_rate"]
    verdict = ("chưa có phản ánh, kiến nghị nào được tính" if rate is None
               else "đạt" if data["meets_target"] else "chưa đạt")
    sat = data["satisfaction"]
    lines = [f"{unit_name} · {period_label}",
             f"Tỷ lệ trả lời đúng hạn: {percent(rate)} — mục tiêu "
             f"{percent(data['target'], 0)}: {verdict}"]
    for label, key in [("Kỳ trước chuyển sang", "carried_over"),
                       ("Tiếp nhận trong kỳ", "received"),
                       ("Không tiếp nhận", "not_accepted"),
                       ("Chuyển cơ quan có thẩm quyền", "transferred"),
                       ("Trả lời đúng hạn", "answered_on_time"),
                       ("Trả lời quá hạn", "answered_late"),
                       ("Đang xử lý, trong hạn", "open_in_time"),
                       ("Đang xử lý, quá hạn", "open_overdue"),
                       ("Góp ý ẩn danh (ngoài tỷ lệ)", "gop_y")]:
        lines.append(f"  {label:30} {data[key]:>6}")
    lines.append(f"Mức độ hài lòng (QĐ 766, trả lời quá hạn tính là không hài lòng): "
                 f"{percent(sat['percent'])} trên {sat['counted']} đã trả lời hoặc quá hạn")
    if data["late_items"]:
        lines.append("Quá hạn:")
    for item in data["late_items"]:
        when = (f"trả lời {item['answered_at'][:10]}" if item["answered_at"]
                else "chưa trả lời")
        reason = f" · {item['reason']}" if item["reason"] else ""
        lines.append(f"  {item['code']:10} {item['unit']:16} hạn {item['reply_due']} · "
                     f"{when} · trễ {item['days_late']} ngày làm việc{reason}")
    return lines


def register_aggregates(app: Flask) -> None:
    aggregates = _group(app, "aggregates", "The satisfaction aggregate every figure reads.")

    @aggregates.command("rebuild")
    @click.option("--unit", "unit_code", help="Only this unit and the units below it.")
    @click.option("--from", "first", help="First day (YYYY-MM-DD); whole months are redone.")
    @click.option("--to", "last", help="Last day (YYYY-MM-DD).")
    def aggregates_rebuild(unit_code: str | None, first: str | None, last: str | None
                           ) -> None:
        """Recount the aggregate from the raw responses (after a bulk load or a repair)."""
        from feedback.org import descendant_ids, unit_by_code
        from feedback.reports import tally

        with domain_errors():
            unit_ids = descendant_ids(unit_by_code(unit_code).id) if unit_code else None
        day_first = day_of(first) if first else None
        day_last = day_of(last) if last else None
        if day_first and day_last and day_last < day_first:
            raise click.BadParameter("--to is before --from")
        months = (len(tally.months_to_rebuild(day_first, day_last))
                  + len(tally.pending_months(None)))
        with click.progressbar(length=months, label="Months",
                               file=sys.stderr) as bar:
            tally.rebuild(unit_ids, day_first, day_last, on_month=lambda _m: bar.update(1))
        state = tally.State.read()
        click.echo(f"Aggregate rebuilt; folded through {state.closed_through or '-'}.")

    @aggregates.command("verify")
    def aggregates_verify() -> None:
        """Recount every folded day from the raw rows and name each cell that differs;
        exits 1 when one does."""
        from feedback.reports import tally

        months = len(tally.months_to_rebuild(None, None))
        with click.progressbar(length=months, label="Months", file=sys.stderr) as bar:
            differences = tally.verify(on_month=lambda _m: bar.update(1))
        if not differences:
            click.echo(f"Aggregate verified: equal to the raw rows through "
                       f"{tally.State.read().closed_through or '-'}.")
            return
        codes = tally.unit_codes()
        for d in differences:
            click.echo(d.describe(codes))
        click.echo(f"{len(differences)} cells differ from the raw rows; "
                   "`feedback aggregates rebuild` recounts them.", err=True)
        sys.exit(1)
