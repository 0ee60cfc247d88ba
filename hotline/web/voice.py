"""Placeholder blueprint; its routes are being built (see the open issues)."""

from flask import Blueprint

bp = Blueprint("voice", __name__)
