"""`flask optout list | add NUMBER | remove NUMBER`: the operator's view of who gets no notices."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .. import validation
from ..services import optouts


def _e164(number: str) -> str:
    try:
        return validation.phone(number, "number", mobile=False)
    except validation.InvalidValue as error:
        raise click.BadParameter(str(error)) from error


def register(app: Flask) -> None:
    group = AppGroup("optout", help="Numbers that receive no notices.")

    @group.command("list")
    def list_() -> None:
        """Every opted-out number, with when and how it opted out."""
        rt = app.extensions["hotline"]
        with rt.transaction(read_only=True) as session:
            rows = optouts.opted_out_numbers(session)
            for pref in rows:
                blocked = " (blocked at Twilio: the number must text START)" if pref.provider_blocked else ""
                click.echo(f"{pref.phone}\t{pref.opted_out_at:%Y-%m-%d %H:%M}Z\t{pref.opt_out_source}{blocked}")
            click.echo(f"{len(rows)} opted out")

    @group.command("add")
    @click.argument("number")
    def add(number: str) -> None:
        """Stop notices to NUMBER (safe to repeat)."""
        rt = app.extensions["hotline"]
        phone = _e164(number)
        with rt.transaction() as session:
            changed = optouts.opt_out(session, phone, rt.clock.now(), source="operator")
        click.echo(f"{phone} opted out" if changed else f"{phone} was already opted out")

    @group.command("remove")
    @click.argument("number")
    def remove(number: str) -> None:
        """Resume notices to NUMBER (safe to repeat)."""
        rt = app.extensions["hotline"]
        phone = _e164(number)
        with rt.transaction() as session:
            changed = optouts.opt_in(session, phone, rt.clock.now(), source="operator")
            pref = session.get(optouts.PhonePreference, phone)
            blocked = pref is not None and pref.provider_blocked
        if blocked:
            click.echo(f"{phone} is blocked at Twilio (it texted STOP); only START from that phone lifts it")
        else:
            click.echo(f"{phone} receives notices again" if changed else f"{phone} was not opted out")

    app.cli.add_command(group)
