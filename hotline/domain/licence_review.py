"""The review (审验) of a driving licence, decided by the scoring cycle that ended.

Order 162 art. 72 (unchanged by Order 172): holders of A1 A2 A3 B1 B2 are reviewed within 30 days after each
scoring cycle ends, unless that cycle had no points (¶3, then D07 says they are exempt); holders of other
classes are reviewed after a cycle in which they bore equal or greater responsibility for a fatal accident
(¶4), and drivers of 70 or more after a responsible accident with death or serious injury (¶5). The hotline
holds no accident records: for those holders the upstream's `review_due` is what says a review is due.

When the review falls due the licence record already speaks of the new cycle, so the points the decision
needs are the ones the ended cycle closed with: the record's own points while it was reported within that
cycle, otherwise `previous_cycle_points` (sent by the upstream, or kept by the ingest from the copy it held
when the new cycle's record replaced it), otherwise carried points (they come only from the ended cycle).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from .dates import CHINA
from .scoring import previous_cycle_end, scoring_cycle

REVIEW_DAYS = 30  # art. 72: within 30 days after the cycle ends
# Art. 75 (unchanged by Order 172): a holder who cannot be reviewed in time (military service, abroad) may
# have the review deferred, for at most three years; while the deferral runs (status T, 延期审验) the review
# is neither due nor overdue, and D17 reminds the holder before it runs out.
REVIEW_DEFERRED = "T"


def review_deferred(status: str) -> bool:
    """Whether the licence status says the review is deferred (art. 75)."""
    return REVIEW_DEFERRED in status


def reported_on(upstream_updated_at: datetime | None, modified_at: datetime) -> date:
    """The China day a stored record speaks of: the upstream's timestamp, else when the hotline stored it."""
    return (upstream_updated_at or modified_at).astimezone(CHINA).date()


def carry_over(first_issued: date, reported: date, given: int | None,
               old: dict[str, Any] | None) -> tuple[int | None, date | None]:
    """`(previous_cycle_points, previous_cycle_end)` for a licence record reported on `reported`.

    The upstream's own `previous_cycle_points` wins. Otherwise the stored copy tells: if it was reported in
    the previous cycle (or before), its points are the ones that cycle closed with; if it already belonged to
    the current cycle, what it kept about the previous one stays."""
    end = previous_cycle_end(first_issued, reported)
    if given is not None:
        return given, end
    if old is None:
        return None, None
    if reported_on(old.get("upstream_updated_at"), old["modified_at"]) <= end:
        return old["points"], end
    if old.get("previous_cycle_end") == end:
        return old["previous_cycle_points"], end
    return None, None


def ended_cycle_points(licence: Any, cycle_end: date) -> int | None:
    """The points the cycle ending on `cycle_end` closed with, or None when the hotline cannot tell.

    `licence` has the Licence columns (a row or the model)."""
    if reported_on(licence.upstream_updated_at, licence.modified_at) <= cycle_end:
        return licence.points
    if licence.previous_cycle_end == cycle_end and licence.previous_cycle_points is not None:
        return licence.previous_cycle_points
    if licence.carried_points:
        return licence.carried_points  # carried points come from the ended cycle, so it had at least these
    return None


def reviewed_cycle_end(first_issued: date, review_due: date) -> date:
    """The end of the cycle a review due on `review_due` is for: the cycle holding review_due − 30 days."""
    _, end = scoring_cycle(first_issued, review_due - timedelta(days=REVIEW_DAYS))
    return end


def review_required(licence: Any) -> bool:
    """Whether the review due on `licence.review_due` applies to this holder (art. 72 ¶3–¶5).

    A/B holders: when the reviewed cycle had points; exempt when it had none; not asserted when the hotline
    cannot tell (the upstream's status S still brings D06). Other holders: the upstream set a review date,
    which it does only under ¶4 or ¶5."""
    if licence.review_due is None:
        return False
    if not licence.has_ab_class:
        return True
    points = ended_cycle_points(licence, reviewed_cycle_end(licence.first_issued, licence.review_due))
    return bool(points)
