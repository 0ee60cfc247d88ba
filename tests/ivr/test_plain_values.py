"""Service views become plain JSON values in the call state: what was said survives the state's trip
through Redis unchanged (dates as ISO strings, enums as their values, tuples and sets as lists)."""

import dataclasses
import enum
import json
from datetime import date, datetime

from hotline.ivr.actions import plain


class Colour(str, enum.Enum):  # noqa: UP042 - the case where str() is not the value
    BLUE = "blue"


class Level(enum.IntEnum):
    TWO = 2


@dataclasses.dataclass
class View:
    classes: tuple
    valid_until: date
    checked_at: datetime
    colour: Colour
    level: Level
    flags: frozenset
    extra: dict
    missing: None = None


def test_a_view_becomes_the_values_it_has_after_a_json_round_trip():
    view = View(("C1", "D"), date(2027, 3, 1), datetime(2026, 11, 24, 8, 30), Colour.BLUE, Level.TWO,
                frozenset({"N"}), {"points": 3, "late": [Colour.BLUE]})
    value = plain([view])
    assert value == [{"classes": ["C1", "D"], "valid_until": "2027-03-01", "checked_at": "2026-11-24T08:30:00",
                      "colour": "blue", "level": 2, "flags": ["N"], "extra": {"points": 3, "late": ["blue"]},
                      "missing": None}]
    assert json.loads(json.dumps(value)) == value
    assert type(value[0]["colour"]) is str and type(value[0]["level"]) is int
