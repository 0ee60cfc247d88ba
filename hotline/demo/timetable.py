"""Exam plans and inspection slots around the demo's day, as records (docs/records.md).

Exam plans run on working days from two weeks back (so that exam results have plans to refer to) to five
weeks ahead; each closes for booking at 17:00 three working days before the exam, the platform's usual
rule, counted on the holiday calendar (holidays and make-up working days). Inspection slots cover the
coming three weeks of working days.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from ..calendar import WorkCalendar
from ..clock import at_china
from .crowd import Record, stamp
from .words import EXAM_SITES, INSPECTION_STATIONS

PLANS_BACK_DAYS = 14
PLANS_AHEAD_DAYS = 35
SLOTS_AHEAD_DAYS = 21
BOOKING_CLOSES_WORKING_DAYS = 3
BOOKING_CLOSES_HOUR = 17

# (subject, session, classes) run at every site on every working day.
EXAM_SESSIONS = (
    ("KM1", "AM", ["C1", "C2", "B2", "A2"]),
    ("KM2", "AM", ["C1", "C2"]),
    ("KM2", "PM", ["C1", "C2"]),
    ("KM3", "AM", ["C1", "C2"]),
    ("KM3", "PM", ["C1", "C2"]),
    ("KM3W", "PM", ["C1", "C2", "B2", "A2"]),
)
# Large vehicles are examined at the first site only, on Wednesdays.
LARGE_VEHICLE_SESSIONS = (("KM2", "AM", ["A1", "A2", "B2"]), ("KM3", "PM", ["A1", "A2", "B2"]))
SLOT_TIMES = ((8, 30), (9, 30), (10, 30), (14, 0), (15, 0), (16, 0))


def plan_id(site_code: str, day: date, subject: str, session: str) -> str:
    return f"{site_code}-{day:%Y%m%d}-{subject}-{session}"


def booking_closes(calendar: WorkCalendar, day: date):
    return at_china(calendar.working_days_before(day, BOOKING_CLOSES_WORKING_DAYS), BOOKING_CLOSES_HOUR)


def exam_plans(today: date, calendar: WorkCalendar, rng: random.Random) -> list[Record]:
    plans = []
    for offset in range(-PLANS_BACK_DAYS, PLANS_AHEAD_DAYS + 1):
        day = today + timedelta(days=offset)
        if not calendar.is_working_day(day):
            continue
        for index, (site_code, site_name) in enumerate(EXAM_SITES):
            sessions = list(EXAM_SESSIONS)
            if index == 0 and day.weekday() == 2:
                sessions += LARGE_VEHICLE_SESSIONS
            for subject, session, classes in sessions:
                large = classes[0] in ("A1", "A2", "B2") and subject != "KM1" and subject != "KM3W"
                pid = plan_id(site_code, day, subject, session) + ("-AB" if large else "")
                plans.append({
                    "type": "exam_plan",
                    "plan_id": pid,
                    "subject": subject,
                    "classes": classes,
                    "site_code": site_code,
                    "site_name": site_name,
                    "date": day.isoformat(),
                    "session": session,
                    "capacity": rng.randrange(10, 25) if large else rng.randrange(30, 80),
                    "booking_closes_at": stamp(booking_closes(calendar, day)),
                })
    return plans


def inspection_slots(today: date, calendar: WorkCalendar, rng: random.Random) -> list[Record]:
    slots = []
    for offset in range(1, SLOTS_AHEAD_DAYS + 1):
        day = today + timedelta(days=offset)
        if not calendar.is_working_day(day):
            continue
        for station_code, station_name in INSPECTION_STATIONS:
            for hour, minute in SLOT_TIMES:
                starts = at_china(day, hour, minute)
                slots.append({
                    "type": "inspection_slot",
                    "slot_id": f"{station_code}-{day:%Y%m%d}-{hour:02d}{minute:02d}",
                    "station_code": station_code,
                    "station_name": station_name,
                    "starts_at": stamp(starts),
                    "ends_at": stamp(starts + timedelta(hours=1)),
                    "capacity": rng.randrange(4, 13),
                })
    return slots
