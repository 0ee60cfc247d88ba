"""`flask staff add NAME --role agent|supervisor` and `flask staff list`: the desk's accounts."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from ..db.staff import Staff, StaffRole
from ..masking import mask_phone
from ..services import staff as staff_service


def register(app: Flask) -> None:
    group = AppGroup("staff", help="Staff accounts for the desk (/desk).")

    @group.command("add")
    @click.argument("name")
    @click.option("--role", type=click.Choice([role.value for role in StaffRole]), required=True)
    @click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Asked for when not given (give it only in scripts).",
    )
    @click.option("--phone", default=None, help="The agent's phone, rung by 'take next' and 'call now'.")
    def add(name: str, role: str, password: str, phone: str | None) -> None:
        """Create a staff account that signs in at /desk/login."""
        rt = app.extensions["hotline"]
        try:
            with rt.transaction() as session:
                staff_service.add_staff(
                    session, name, role, password, pepper=rt.settings.pin_pepper, now=rt.clock.now(), phone=phone
                )
        except staff_service.StaffError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"{role} {name.strip()} added; sign in at {rt.settings.public_url.rstrip('/')}/desk/login")

    @group.command("password")
    @click.argument("name")
    @click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Asked for when not given (give it only in scripts).",
    )
    def password(name: str, password: str) -> None:
        """Set a new password for NAME (also unlocks the account)."""
        rt = app.extensions["hotline"]
        try:
            with rt.transaction() as session:
                staff_service.set_password(session, name, password, pepper=rt.settings.pin_pepper)
        except staff_service.StaffError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"password of {name.strip()} changed")

    @group.command("list")
    def list_() -> None:
        """Every staff account, its role, its phone (masked) and whether it is locked."""
        rt = app.extensions["hotline"]
        now = rt.clock.now()
        with rt.transaction(read_only=True) as session:
            for member in session.scalars(select(Staff).order_by(Staff.name)):
                locked = " (locked)" if member.locked_until and member.locked_until > now else ""
                click.echo(f"{member.name}\t{member.role}\t{mask_phone(member.phone) or '-'}{locked}")

    app.cli.add_command(group)
