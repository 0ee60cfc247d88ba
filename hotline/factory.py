"""The whole application: the web app with the operator commands and the workers' commands.

The one module that brings `hotline.web`, `hotline.cli` and `workers` together, so that none of them imports
another (tests/test_import_graph.py): `app.py` (the `flask` command, gunicorn) and the tests build the app here.
"""

from __future__ import annotations

from flask import Flask

import workers.commands

from .cli import register_commands
from .clock import Clock
from .config import Settings
from .web import create_web_app


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Flask:
    app = create_web_app(settings, clock=clock)
    register_commands(app)
    workers.commands.register(app)
    return app
