"""The upstream API: records in (`POST /api/events`), the hotline's own changes out (`GET /api/changes`).

Both take `Authorization: Bearer $HOTLINE_API_TOKEN`. Bad input is answered with 400 and a message that
names what is wrong, never with a 500.
"""

from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, jsonify, request
from sqlalchemy.exc import IntegrityError

from ..digits import whole_number
from ..ingest import apply_records
from ..services.changefeed import changes_after
from .auth import bearer, runtime

bp = Blueprint("api", __name__, url_prefix="/api")

# An events call is one transaction; batches bigger than this belong in `flask import`.
MAX_EVENTS = 10_000
WRITE_ATTEMPTS = 3
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _bad_request(message: str, **extra):
    return jsonify({"error": message, **extra}), 400


@bp.post("/events")
@bearer("api_token")
def events():
    """A JSON array of records (docs/records.md), all or nothing: 200 with the counts, or 400 with every error."""
    body = request.get_data(cache=False, as_text=False)
    try:
        records = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        return _bad_request(f"the body is not valid JSON: {error}")
    except RecursionError:
        return _bad_request("the body is nested too deeply to be a list of records")
    if not isinstance(records, list):
        return _bad_request("the body must be a JSON array of records")
    if len(records) > MAX_EVENTS:
        return _bad_request(f"at most {MAX_EVENTS} records per call; send bigger batches as an import file")
    rt = runtime()
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with rt.transaction() as session:
                result = apply_records(
                    session,
                    ((f"index {index}", record) for index, record in enumerate(records)),
                    now=rt.clock.now(),
                    pepper=rt.settings.pin_pepper,
                    collect_changes=False,
                )
            break
        except IntegrityError:
            # Two calls inserting the same new key at once: the loser's batch is simply applied again,
            # now as an update of what the winner wrote.
            if attempt == WRITE_ATTEMPTS:
                raise
    if result.errors:
        errors = [{"index": error.number, "field": error.field, "reason": error.reason} for error in result.errors]
        return jsonify({"error": "records refused; nothing was written", "errors": errors}), 400
    return jsonify(result.counts())


def _iso(moment: datetime) -> str:
    return moment.isoformat()


@bp.get("/changes")
@bearer("api_token")
def changes():
    """What the hotline changed (applications, allocations, bookings, cancellations, opt-outs), oldest
    first: `?after=CURSOR` (the `next` of the previous page, 0 or absent for the start) and `limit`."""
    after = whole_number(request.args.get("after", "0"))
    limit = whole_number(request.args.get("limit", str(DEFAULT_LIMIT)))
    if after is None:
        return _bad_request("after must be a cursor: a whole number 0 or more from a previous answer's next")
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        return _bad_request(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    with runtime().transaction(read_only=True) as session:
        page = [
            {"cursor": row.id, "kind": row.kind, "at": _iso(row.created_at), "data": row.payload}
            for row in changes_after(session, after, limit)
        ]
    return jsonify({"changes": page, "next": page[-1]["cursor"] if page else after})
