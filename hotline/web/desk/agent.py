"""The agent's page: the callers waiting for a person, the caller taken, and the callbacks to make."""

from __future__ import annotations

from flask import render_template

from ..auth import staff
from . import bp


@bp.route("")
@staff()
def agent():
    return render_template("desk/agent.html", title="Callers", page="agent")
