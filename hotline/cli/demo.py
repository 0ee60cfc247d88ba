"""`flask demo-data --people N [--seed S] [--date D] [--jsonl FILE] [--if-empty]`: synthetic demo data."""

from __future__ import annotations

import sys
import time

import click
from flask import Flask
from sqlalchemy import select

from ..clock import CHINA, at_china
from ..demo import cast
from ..demo.cast import DESK_STAFF
from ..demo.export import write_jsonl
from ..demo.fill import NotEmpty, fill_database, start_over
from ..progress import Progress
from ..services import staff as staff_service
from ..services.identity import ORGANISATION, parties_on_phone

# With --date the demo stands on that day at this China time, so a run can be repeated exactly.
DEMO_HOUR = 9


def register(app: Flask) -> None:
    @app.cli.command("demo-data")
    @click.option("--people", type=click.IntRange(0, 1_800_000), default=200, show_default=True,
                  help="How many synthetic people besides the fixed demo cast.")
    @click.option("--seed", type=int, default=12123, show_default=True, help="Same seed, same data.")
    @click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
                  help="The day the data stands on (China date); default today.")
    @click.option("--jsonl", "jsonl_path", type=click.Path(dir_okay=False, allow_dash=True), default=None,
                  help="Write the records as JSON Lines (docs/records.md) to FILE instead of the database.")
    @click.option("--if-empty", is_flag=True, help="Do nothing, successfully, when the database holds people.")
    @click.option("--reset", is_flag=True,
                  help="Start over: delete every record and the hotline's Redis state first (not in production).")
    def demo_data(people: int, seed: int, day, jsonl_path: str | None, if_empty: bool, reset: bool) -> None:
        """Fill the database with a crowd of N synthetic people around the fixed demo cast.

        Every record passes the import's validation. Dates are spread around the day (--date, default
        today) so that the daily scan finds someone for every date-triggered notice, and the cast's recent
        changes plan their notices at once. On a database that already holds people it adds nothing and
        prints the demo people; --reset empties the database and Redis state first."""
        rt = app.extensions["hotline"]
        now = at_china(day.date(), DEMO_HOUR) if day else rt.clock.now()
        started = time.monotonic()
        if jsonl_path:
            _write_file(jsonl_path, people=people, seed=seed, now=now, calendar=rt.calendar)
            click.echo(f"in {time.monotonic() - started:.1f} s", err=True)
            return
        if reset:
            try:
                rows, keys = start_over(rt)
            except RuntimeError as error:
                raise click.ClickException(str(error)) from None
            click.echo(f"demo data: started over ({rows} rows and {keys} Redis keys deleted)")
        try:
            result = fill_database(rt, people=people, seed=seed, now=now, progress=_progress(people))
        except NotEmpty as error:
            click.echo(f"demo data: nothing added, {error.people} people are already there "
                       "(--reset starts over)")
            click.echo(_cast_table(rt))
            click.echo(_desk_logins(rt))
            return
        counts = ", ".join(f"{count} {kind}" for kind, count in sorted(result.counts.items()))
        click.echo(f"demo data for {now.astimezone(CHINA).date()}: {counts}")
        click.echo(f"{result.notices_planned} notices planned from the cast's recent changes; "
                   f"exam applications: {'; '.join(result.applications)}")
        click.echo(f"in {time.monotonic() - started:.1f} s")
        click.echo(_cast_table(rt))
        click.echo(_desk_logins(rt))

    app.cli.add_command(demo_data)


def _write_file(path: str, **options) -> None:
    if path == "-":
        counts = write_jsonl(sys.stdout, **options)
    else:
        with open(path, "w", encoding="utf-8") as out:
            counts = write_jsonl(out, progress=_progress(options["people"]), **options)
    total = sum(counts.values())
    click.echo(f"{total} records written: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())),
               err=True)


def _progress(people: int):
    """Records, rate and time left (hotline.progress): redrawn on a terminal, a log line now and then elsewhere."""
    progress = Progress("demo data", total=people, unit="people")

    def report(done: int, total: int) -> None:
        progress.update(done, total=total)
        if done >= total:
            progress.finish()

    return report


def _cast_table(rt) -> str:
    """The main cast as the README shows it, with the ID numbers' last 4 (for a shared phone)."""
    lines = ["demo people (try: flask phone call NUMBER):"]
    pins = {cast.LIN_PHONE: cast.LIN_PIN, cast.ORGANISATION_PHONE: cast.ORGANISATION_PIN,
            cast.ENGLISH_PHONE: cast.ENGLISH_PIN, cast.LEARNER_PHONE: cast.LEARNER_PIN}
    phones = [cast.LIN_PHONE, cast.FAMILY_PHONE, cast.ORGANISATION_PHONE, cast.ENGLISH_PHONE,
              cast.UNREGISTERED_PHONE, cast.LEARNER_PHONE]
    with rt.transaction(read_only=True) as session:
        for phone in phones:
            on = parties_on_phone(phone)
            rows = session.execute(select(on.c.kind, on.c.name, on.c.key, on.c.account).order_by(on.c.rank, on.c.id))
            who = [f"{row.name} (code …{row.key[-4:]}, organisation)" if row.kind == ORGANISATION
                   else f"{row.name} (ID …{row.key[-4:]}, {row.account})" for row in rows]
            verify = f"PIN {pins[phone]}" if phone in pins else "SMS code"
            lines.append(f"  {phone}  {verify:10}  " + "; ".join(who))
    return "\n".join(lines)


def _desk_logins(rt) -> str:
    """The demo's staff accounts (made once; never in production) and where the desk is."""
    if rt.settings.production:
        return ""
    with rt.transaction() as session:
        for name, role, password in DESK_STAFF:
            try:
                staff_service.add_staff(session, name, role, password, pepper=rt.settings.pin_pepper,
                                        now=rt.clock.now())
            except staff_service.StaffError:
                pass  # made by an earlier run
    lines = [f"staff desk: {rt.settings.public_url.rstrip('/')}/desk/login"]
    lines += [f"  {role:10}  name {name}  password {password}" for name, role, password in DESK_STAFF]
    return "\n".join(lines)
