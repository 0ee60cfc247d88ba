"""Operator commands (`flask ...`). Each module adds its own group or command."""

from __future__ import annotations

import importlib
import pkgutil

from flask import Flask


def register_commands(app: Flask) -> None:
    # Every module in this package with a `register(app)` adds its commands; a new command is a new
    # module, nothing to edit here.
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
