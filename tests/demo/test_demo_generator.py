"""The demo generator on its own: every record it makes is one the import accepts, keys never collide,
and the same seed always gives the same data (in one process or several)."""

from __future__ import annotations

import io
import random
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from hotline.calendar import WorkCalendar
from hotline.clock import CHINA
from hotline.config import Settings
from hotline.demo import cast as demo_cast
from hotline.demo.crowd import CHUNK, CrowdPlan, chunk_records, organisation_records
from hotline.demo.export import write_jsonl
from hotline.demo.numbers import Scramble
from hotline.demo.timetable import exam_plans, inspection_slots
from hotline.ingest.schema import parse
from hotline.validation import vin_check_digit

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=CHINA)
TODAY = NOW.date()
CALENDAR = WorkCalendar.load(Settings().holidays_file)


def keys(records) -> dict[str, list]:
    found: dict[str, list] = {"person": [], "organisation": [], "vehicle": [], "violation": [], "plate": []}
    for kind, record in records:
        if kind == "person":
            found["person"].append(record["id_number"])
        elif kind == "organisation":
            found["organisation"].append(record["org_code"])
        elif kind == "vehicle":
            found["vehicle"].append((record["plate"], record["plate_type"]))
            found["plate"].append(record["plate"])
        elif kind == "violation":
            found["violation"].append(record["ref"])
    return found


@pytest.mark.parametrize("seed", [1, 12123])
def test_every_crowd_record_passes_the_import_validation_and_keys_are_unique(seed):
    plan = CrowdPlan(people=3 * CHUNK, seed=seed, now=NOW)
    records = organisation_records(plan)
    for chunk in range(plan.chunks):
        records += chunk_records(plan, chunk)
    the_cast = demo_cast.cast(TODAY, NOW, CALENDAR)
    records += [(record["type"], record) for record in the_cast.records]

    for kind, record in records:
        parsed = parse(record, TODAY)  # raises RecordInvalid naming the field
        assert parsed.type == kind

    found = keys(records)
    for name, values in found.items():
        assert len(values) == len(set(values)), f"{name} keys repeat"
    counts = Counter(kind for kind, _ in records)
    assert counts["person"] == plan.people + sum(1 for r in the_cast.records if r["type"] == "person")
    # A realistic mix: most adults hold a licence, many own a car, some have violations and learn.
    assert 0.5 < counts["licence"] / counts["person"] < 0.8
    assert 0.3 < counts["vehicle"] / counts["person"] < 0.7
    assert counts["violation"] > 0.1 * counts["vehicle"]
    assert counts["learner"] > 0.005 * counts["person"]


def test_every_demo_vin_has_its_gb16735_iso3779_check_digit():
    plan = CrowdPlan(people=CHUNK, seed=12123, now=NOW)
    records = [record for _, record in organisation_records(plan) + chunk_records(plan, 0)]
    records += demo_cast.cast(TODAY, NOW, CALENDAR).records
    vins = [record["vin"] for record in records if "vin" in record]
    assert len(vins) > 100
    wrong = [vin for vin in vins if vin_check_digit(vin) != vin[8]]
    assert not wrong, f"{len(wrong)} of {len(vins)} demo VINs fail the position-9 check digit: {wrong[:5]}"


def test_the_crowd_spreads_plates_over_fujian_mostly_with_new_energy_too():
    plan = CrowdPlan(people=2 * CHUNK, seed=5, now=NOW)
    vehicles = [r for c in range(plan.chunks) for kind, r in chunk_records(plan, c) if kind == "vehicle"]
    fujian = sum(1 for v in vehicles if v["plate"].startswith("闽"))
    xiamen = sum(1 for v in vehicles if v["plate"].startswith("闽D"))
    new_energy = sum(1 for v in vehicles if v["plate_type"] in ("51", "52"))
    assert fujian > 0.8 * len(vehicles)
    assert xiamen > 0.4 * len(vehicles)
    assert 0.1 * len(vehicles) < new_energy < 0.4 * len(vehicles)
    assert all(len(v["plate"]) == 8 for v in vehicles if v["plate_type"] in ("51", "52"))


def test_crowd_phones_never_reach_the_cast_and_families_share_some():
    plan = CrowdPlan(people=2 * CHUNK, seed=9, now=NOW)
    phones = [r["phone"] for c in range(plan.chunks) for kind, r in chunk_records(plan, c) if kind == "person"]
    assert not any(phone.startswith("+86138") for phone in phones)
    shared = len(phones) - len(set(phones))
    assert 0.02 * len(phones) < shared < 0.1 * len(phones)


def test_scramble_is_one_to_one():
    scramble = Scramble(10_007 * 6, offset=12345)
    assert sorted(scramble(n) for n in range(scramble.size)) == list(range(scramble.size))
    with pytest.raises(ValueError):
        scramble(scramble.size)


def test_exam_plans_close_three_working_days_before_at_five_and_slots_lie_ahead():
    plans = exam_plans(TODAY, CALENDAR, random.Random(1))
    slots = inspection_slots(TODAY, CALENDAR, random.Random(1))
    assert plans and slots
    for plan in plans:
        day = date.fromisoformat(plan["date"])
        closes = datetime.fromisoformat(plan["booking_closes_at"]).astimezone(CHINA)
        assert CALENDAR.is_working_day(day)
        assert closes.date() == CALENDAR.working_days_before(day, 3)
        assert (closes.hour, closes.minute) == (17, 0)
    assert any(date.fromisoformat(p["date"]) > TODAY + timedelta(days=28) for p in plans)
    assert all(datetime.fromisoformat(s["starts_at"]).astimezone(CHINA).date() > TODAY for s in slots)


def test_national_day_week_has_no_exams_and_the_make_up_saturday_has():
    plans = exam_plans(date(2026, 10, 1), CALENDAR, random.Random(1))
    days = {p["date"] for p in plans}
    holidays = {d for d in CALENDAR.holidays if date(2026, 10, 1) <= d <= date(2026, 10, 7)}
    assert holidays and not days & {d.isoformat() for d in holidays}
    make_up = [d for d in CALENDAR.workdays if date(2026, 9, 17) <= d <= date(2026, 11, 5)]
    assert all(d.isoformat() in days for d in make_up)


def test_same_seed_same_file_whether_made_in_one_process_or_two():
    serial, parallel = io.StringIO(), io.StringIO()
    options = {"people": 2 * CHUNK + 100, "seed": 3, "now": NOW, "calendar": CALENDAR}
    counts = write_jsonl(serial, workers=1, **options)
    write_jsonl(parallel, workers=2, **options)
    assert serial.getvalue() == parallel.getvalue()
    assert counts["person"] == 2 * CHUNK + 100 + sum(1 for r in demo_cast.cast(TODAY, NOW, CALENDAR).records
                                                     if r["type"] == "person")
    other = io.StringIO()
    write_jsonl(other, workers=1, **{**options, "seed": 4})
    assert other.getvalue() != serial.getvalue()
