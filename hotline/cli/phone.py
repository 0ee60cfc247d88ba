"""`flask phone ...`: a phone in the terminal that talks to the hotline exactly as Twilio would.

`flask phone call NUMBER` posts signed voice webhooks; other channels add their commands to the same
group (`phone_group`).
"""

from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

phone_group = AppGroup("phone", help="Call or text the hotline from a terminal, as Twilio would.")


def register(app: Flask) -> None:
    app.cli.add_command(phone_group)
