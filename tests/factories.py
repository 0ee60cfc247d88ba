"""Record factories: dataset records (docs/records.md) as dicts, with sensible defaults, for every test.

Each factory returns a fresh record dict that passes validation: ID numbers, credit codes, plates and
phone numbers are generated valid and unique within the test process. Keyword overrides replace fields;
an override of `None` removes the field (the contract reads absent and null the same). Dates and
datetimes may be given as `date` / aware `datetime` objects and are written in the contract's form.

Records that reference another take it as their first argument, either the referenced record or its key:

    p = person(account="internet")
    lic = licence(p, points=9)
    car = vehicle(p)
    fine = violation(car, fine_cny=200)
    store(session, p, lic, car, fine)

Defaults stand around the day the tests stand on (2026-11-24, China): nothing is due or overdue unless a
test says so.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

from hotline.clock import CHINA
from hotline.validation import id_check_char, usc_check_char, vin_check_digit

DEFAULT_NOW = datetime(2026, 11, 24, 10, 0, tzinfo=CHINA)
# The pepper of the `settings` fixture (tests/conftest.py): PINs stored here check against those settings.
TEST_PEPPER = "test-pepper"

_counter = itertools.count(1)

_SURNAMES = "林陈黄王李张刘吴郑杨"
_GIVEN = ("小明", "美", "芳", "大伟", "建国", "丽", "强", "秀英", "志鹏", "婷")


def _next() -> int:
    return next(_counter)


def _form(value: Any) -> Any:
    """Dates and datetimes in the contract's text form; everything else as given."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("factories take aware datetimes only")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _record(kind: str, defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {"type": kind, **defaults}
    for key, value in overrides.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = _form(value)
    return record


def _key(value: dict | str | None, field: str, factory: str) -> str:
    if value is None:
        raise TypeError(f"{factory}() needs the record it refers to (or its {field})")
    return value[field] if isinstance(value, dict) else value


# --- valid identifiers ------------------------------------------------------------------------------


def valid_id_number(birth: date | None = None, region: str = "350203", seq: int | None = None) -> str:
    """A resident ID number with a valid check character. Without `birth`, each call gives a new one."""
    n = _next()
    if birth is None:
        birth = date(1990, 1, 1) + timedelta(days=n // 1000)
    if seq is None:
        seq = n % 1000
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def valid_org_code(region: str = "350200", seq: int | None = None, *, prefix: str = "91") -> str:
    """A unified social credit code with a valid check character; each call gives a new one."""
    if seq is None:
        seq = _next()
    first17 = f"{prefix}{region}{seq:09d}"
    return first17 + usc_check_char(first17)


def valid_plate(n: int | None = None, *, province: str = "闽", city: str = "D", new_energy: bool = False) -> str:
    """A plate: `闽D00042` by default, a small new-energy plate `闽DD00042` with `new_energy=True`."""
    if n is None:
        n = _next()
    return f"{province}{city}D{n % 100000:05d}" if new_energy else f"{province}{city}{n % 100000:05d}"


def valid_phone(n: int | None = None) -> str:
    """A mainland mobile number in E.164, different on each call."""
    if n is None:
        n = _next()
    return f"+86138{n % 100_000_000:08d}"


def valid_vin(n: int | None = None) -> str:
    if n is None:
        n = _next()
    body = f"LSVAU2180K{n % 10_000_000:07d}"
    return body[:8] + vin_check_digit(body) + body[9:]


# --- records ----------------------------------------------------------------------------------------


def person(**overrides: Any) -> dict[str, Any]:
    n = _next()
    defaults = {
        "id_number": valid_id_number(),
        "name": _SURNAMES[n % len(_SURNAMES)] + _GIVEN[n % len(_GIVEN)],
        "phone": valid_phone(n),
        "account": "internet",
    }
    return _record("person", defaults, overrides)


def organisation(**overrides: Any) -> dict[str, Any]:
    n = _next()
    defaults = {
        "org_code": valid_org_code(),
        "name": f"厦门鹭通运输有限公司{n}",
        "phone": valid_phone(n),
        "kind": "transport",
    }
    return _record("organisation", defaults, overrides)


def licence(holder: dict | str | None = None, **overrides: Any) -> dict[str, Any]:
    """A C1 licence, status normal, 0 points, issued 2015-03-15 and valid to 2031-03-15.

    The same holder always gets the same file number, so `licence(p, points=9)` after `licence(p)` is
    an update of one licence."""
    id_number = overrides.pop("id_number", None) or _key(holder, "id_number", "licence")
    defaults = {
        "id_number": id_number,
        "file_number": f"35{int(id_number[6:17]) % 10**10:010d}",
        "classes": ["C1"],
        "status": "A",
        "first_issued": "2015-03-15",
        "valid_until": "2031-03-15",
        "points": 0,
    }
    record = _record("licence", defaults, overrides)
    if "valid_until" in overrides and overrides["valid_until"] is None:
        record["valid_until"] = None  # required by the contract, and null there means long-term (长期)
    return record


def vehicle(owner: dict | str | None = None, **overrides: Any) -> dict[str, Any]:
    """A small private car (plate type 02, K33), status normal, registered 2016-01-20 and inspected until
    2027-01-31: over ten years old, so tested at a station every year whatever date a test gives it (never
    inspection-exempt), and its booking window (Order 164 art. 54: three months ahead, from 2026-10-31) is
    open on the tests' day while its reminders are past.

    `owner` is a person or organisation record, or its id_number / org_code."""
    if "owner" in overrides:
        owner_key = overrides.pop("owner")
    elif isinstance(owner, dict):
        owner_key = owner.get("id_number") or owner["org_code"]
    else:
        owner_key = _key(owner, "id_number", "vehicle")
    n = _next()
    defaults = {
        "plate": valid_plate(n),
        "plate_type": "02",
        "owner": owner_key,
        "vin": valid_vin(n),
        "engine_last6": f"{n % 1_000_000:06d}",
        "vehicle_kind": "K33",
        "status": "A",
        "registered_on": "2016-01-20",
        "inspection_valid_until": "2027-01-31",
    }
    return _record("vehicle", defaults, overrides)


def violation(vehicle_record: dict | None = None, **overrides: Any) -> dict[str, Any]:
    """An unhandled, unpaid red-light violation (200 yuan, 6 points) recorded 2026-11-20.

    Pass the vehicle record, or `plate=` and `plate_type=` overrides."""
    if vehicle_record is not None:
        overrides.setdefault("plate", vehicle_record["plate"])
        overrides.setdefault("plate_type", vehicle_record["plate_type"])
    if "plate" not in overrides:
        raise TypeError("violation() needs the vehicle record (or plate= and plate_type=)")
    defaults = {
        "ref": f"3502{_next():012d}",
        "plate_type": "02",
        "occurred_at": "2026-11-18T08:15:00+08:00",
        "recorded_at": "2026-11-20T10:00:00+08:00",
        "location": "厦门市湖里区枋湖路与金湖路交叉口",
        "code": "1625",
        "description": "驾驶机动车违反道路交通信号灯通行",
        "fine_cny": 200,
        "points": 6,
        "handled": False,
        "paid": False,
    }
    return _record("violation", defaults, overrides)


def learner(person_record: dict | str | None = None, **overrides: Any) -> dict[str, Any]:
    """A C1 learner who applied 2026-06-01, passed KM1 and got the permit on 2026-09-01."""
    id_number = overrides.pop("id_number", None) or _key(person_record, "id_number", "learner")
    defaults = {
        "id_number": id_number,
        "licence_class": "C1",
        "applied_at": "2026-06-01T10:00:00+08:00",
        "permit_issued": "2026-09-01",
        "passed": {"KM1": "2026-09-01"},
        "attempts": {},
    }
    return _record("learner", defaults, overrides)


def exam_plan(**overrides: Any) -> dict[str, Any]:
    """A KM2 plan for C1/C2 on 2026-12-08 AM, 2 seats, booking closes 2026-12-03 17:00."""
    n = _next()
    defaults = {
        "plan_id": f"XM01-KM2-{n:06d}",
        "subject": "KM2",
        "classes": ["C1", "C2"],
        "site_code": "XM01",
        "site_name": "厦门市机动车驾驶人考试中心一考场",
        "date": "2026-12-08",
        "session": "AM",
        "capacity": 2,
        "booking_closes_at": "2026-12-03T17:00:00+08:00",
    }
    return _record("exam_plan", defaults, overrides)


def inspection_slot(**overrides: Any) -> dict[str, Any]:
    """An hour at an inspection station, 2026-12-01 09:00-10:00, 5 vehicles."""
    n = _next()
    defaults = {
        "slot_id": f"JC01-{n:06d}",
        "station_code": "JC01",
        "station_name": "厦门湖里机动车检测站",
        "starts_at": "2026-12-01T09:00:00+08:00",
        "ends_at": "2026-12-01T10:00:00+08:00",
        "capacity": 5,
    }
    return _record("inspection_slot", defaults, overrides)


def exam_result(
    person_record: dict | str | None = None, plan: dict | str | None = None, **overrides: Any
) -> dict[str, Any]:
    """A pass. Takes the person (or id_number) and the plan (or plan_id)."""
    id_number = overrides.pop("id_number", None) or _key(person_record, "id_number", "exam_result")
    plan_id = overrides.pop("plan_id", None) or _key(plan, "plan_id", "exam_result")
    return _record("exam_result", {"id_number": id_number, "plan_id": plan_id, "result": "pass"}, overrides)


NOTICE_REQUEST_DATA = {
    "V07": {"business": "转移登记", "result": "办结", "office": "厦门市车管所"},
    "V08": {"item": "号牌", "channel": "邮寄", "tracking": "EMS 1234567890", "office": "厦门市车管所"},
    "V09": {"applicant_name_masked": "陈*", "deadline": "2026-11-27"},
    "D22": {"business": "期满换证", "channel": "邮寄", "tracking": "EMS 1234567890", "office": "厦门市车管所"},
}


def notice_request(to: dict | str | None = None, kind: str = "V07", **overrides: Any) -> dict[str, Any]:
    """A request for notice `kind` with that kind's variables. `to` is a person, organisation or vehicle
    record, or an id_number / org_code."""
    if "to" not in overrides:
        if isinstance(to, dict) and to.get("type") == "vehicle":
            overrides["to"] = {"plate": to["plate"], "plate_type": to["plate_type"]}
        elif isinstance(to, dict):
            overrides["to"] = to.get("id_number") or to["org_code"]
        else:
            overrides["to"] = _key(to, "id_number", "notice_request")
    defaults = {"request_id": f"REQ-{_next():08d}", "kind": kind, "data": dict(NOTICE_REQUEST_DATA.get(kind, {}))}
    return _record("notice_request", defaults, overrides)


def announcement(**overrides: Any) -> dict[str, Any]:
    """An announcement (the project's own record type, docs/records.md) for Xiamen's Siming
    district, published an hour before the tests' day and valid for a month."""
    n = _next()
    defaults = {
        "announcement_id": f"GG-{n:06d}",
        "kind": "notice",
        "area": "350203",
        "title": f"湖滨南路施工交通管制{n}",
        "text": "12月1日至12月31日每日22时至次日6时，湖滨南路部分路段封闭施工，请绕行。",
        "published_at": _form(DEFAULT_NOW - timedelta(hours=1)),
        "valid_until": _form(DEFAULT_NOW + timedelta(days=30)),
    }
    return _record("announcement", defaults, overrides)


# --- writing them -----------------------------------------------------------------------------------


def store(
    session,
    *records: dict[str, Any],
    now: datetime | None = None,
    baseline: bool = True,
    commit: bool = True,
    pepper: str = TEST_PEPPER,
):
    """Write records through the real ingest (validation, derived columns, change planning) and commit.

    Fails the test with every error if a record is refused. `baseline=True` (the default) plans no
    change-triggered notices; pass `baseline=False` to see the notices a change causes. `pepper` keys
    PIN hashes; the default is the `settings` fixture's pepper (passing `settings.pin_pepper` says the same)."""
    from hotline.ingest import apply_records

    result = apply_records(
        session,
        [(f"record {index}", record) for index, record in enumerate(records)],
        now=now or DEFAULT_NOW,
        baseline=baseline,
        pepper=pepper,
    )
    if result.errors:
        raise AssertionError("store() refused records:\n" + "\n".join(str(error) for error in result.errors))
    if commit:
        session.commit()
    return result
