"""The WSGI entry point: `flask` (run from the repository root) and gunicorn (`app:app`) find it here."""

import sys

from hotline.config import ConfigError
from hotline.factory import create_app

__all__ = ["app", "create_app"]

try:
    app = create_app()
except ConfigError as error:
    # A setting an operator must fix: say which, and stop (gunicorn and `flask` exit non-zero), no traceback.
    print(f"hotline: {error}", file=sys.stderr)
    raise SystemExit(2) from None
