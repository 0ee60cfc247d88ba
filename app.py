"""The WSGI entry point: `flask` (run from the repository root) and gunicorn (`app:app`) find it here."""

from hotline.web import create_app

__all__ = ["app", "create_app"]

app = create_app()
