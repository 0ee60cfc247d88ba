"""`flask import FILE [--baseline] [--keep-valid --rejects FILE]`: a JSON Lines batch from the upstream."""

from __future__ import annotations

import os
import sys
import time
from contextlib import ExitStack

import click
from flask import Flask

from ..ingest import apply_records, read_jsonl
from ..progress import Progress


def register(app: Flask) -> None:
    @app.cli.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
    @click.option("--baseline", is_flag=True, help="First load of a deployment: plan no change-triggered notices.")
    @click.option("--keep-valid", is_flag=True, help="Import the valid lines even if others are refused.")
    @click.option("--rejects", type=click.Path(dir_okay=False), help="With --keep-valid: where refused lines go.")
    def import_command(path: str, baseline: bool, keep_valid: bool, rejects: str | None) -> None:
        """Import FILE (JSON Lines, one record per line; - for standard input).

        All or nothing: if any line is refused, nothing is written and every error is listed."""
        if keep_valid and not rejects:
            raise click.UsageError("--keep-valid needs --rejects FILE for the refused lines")
        if rejects and not keep_valid:
            raise click.UsageError("--rejects only goes with --keep-valid")
        rt = app.extensions["hotline"]
        started = time.monotonic()
        with ExitStack() as stack:
            # Bytes in: a line that is not UTF-8 is reported like any other bad line.
            source = sys.stdin.buffer if path == "-" else stack.enter_context(open(path, "rb"))
            rejects_file = (
                stack.enter_context(open(rejects, "w", encoding="utf-8", errors="surrogateescape"))
                if rejects
                else None
            )
            progress = Progress("import")
            with rt.transaction() as session:
                result = apply_records(
                    session,
                    _with_progress(read_jsonl(source), source, progress),
                    now=rt.clock.now(),
                    baseline=baseline,
                    keep_valid=keep_valid,
                    rejects=rejects_file,
                    pepper=rt.settings.pin_pepper,
                    collect_changes=False,
                )
        progress.finish()
        for error in result.errors:
            click.echo(str(error), err=True)
        counts = ", ".join(f"{count} {name}" for name, count in result.counts().items())
        if result.errors and not keep_valid:
            click.echo(f"{len(result.errors)} errors in {result.rejected} records; nothing was imported", err=True)
            sys.exit(1)
        elapsed = max(time.monotonic() - started, 1e-6)
        click.echo(f"{counts} ({result.total} records in {elapsed:.1f} s, {result.total / elapsed:,.0f} a second)")
        if result.errors:
            click.echo(f"{result.rejected} refused records written unchanged to {rejects}", err=True)


def _with_progress(records, source, progress: Progress):
    """The records as they are read, showing how many so far and, for a file, how far through it we are."""
    try:
        size = os.fstat(source.fileno()).st_size if source.seekable() else 0
    except (OSError, ValueError):
        size = 0
    for done, record in enumerate(records, start=1):
        yield record
        if progress.due():
            progress.show(done, fraction=min(source.tell() / size, 1.0) if size else None)
