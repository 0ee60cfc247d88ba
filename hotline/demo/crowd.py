"""The crowd: synthetic people, their licences, vehicles, violations and learner files, as records (docs/records.md).

A crowd is cut into chunks of CHUNK people. Chunk `c` depends only on (seed, day, people, c), so chunks can
be made in any order, in parallel, and always come out the same. Dates are spread around the day the data
stands on so that, in a large enough crowd, every date-driven notice has someone due today: licences,
inspections and scrap deadlines fall evenly over the coming years, a few percent are overdue, points and
statuses follow rough real-world shares.

Shares below are for realism, not statistics: about two thirds of adults hold a licence, half of holders
own a car, a quarter of vehicles have violations on record and a few have five or more unhandled.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ..clock import CHINA, add_years
from ..domain.licences import AB_CLASSES
from . import words
from .numbers import IdNumbers, Mobiles, Plates, birth_date, make_org_code, make_vin

CHUNK = 5000
OLDEST_AGE = 80
YOUNGEST_AGE = 18

Record = dict[str, Any]


def stamp(moment: datetime) -> str:
    """A timestamp in the contract's form, China time: 2026-11-20T10:00:00+08:00."""
    return moment.astimezone(CHINA).isoformat(timespec="seconds")




def month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def years_between(earlier: date, later: date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


@dataclass
class CrowdPlan:
    """Everything a chunk needs; cheap to send to a worker process."""

    people: int
    seed: int
    now: datetime  # aware
    organisations: int = 0
    today: date = field(init=False)

    def __post_init__(self) -> None:
        self.today = self.now.astimezone(CHINA).date()
        if not self.organisations:
            self.organisations = max(2, self.people // 500)
        self.ids = IdNumbers(add_years(self.today, -OLDEST_AGE), add_years(self.today, -YOUNGEST_AGE), self.seed)
        self.mobiles = Mobiles(self.seed)
        # Vehicle numbers: a person's first `i`, second `people + i`, organisation vehicles after those.
        self.plates = Plates(2 * self.people + self.organisations * 60, self.seed)

    @property
    def chunks(self) -> int:
        return (self.people + CHUNK - 1) // CHUNK


def pick(rng: random.Random, items):
    """`rng.choice`, without its per-call bit-counting: a million people call it many times each."""
    return items[int(rng.random() * len(items))]


def person_name(rng: random.Random) -> str:
    surname = pick(rng, words.COMPOUND_SURNAMES) if rng.random() < 0.01 else pick(rng, words.SURNAMES)
    given = pick(rng, words.GIVEN_CHARACTERS)
    if rng.random() < 0.7:
        given += pick(rng, words.GIVEN_CHARACTERS)
    return surname + given


def _account(r: float) -> str:
    return "none" if r < 0.30 else "internet" if r < 0.95 else "window"


def _days_ago(rng: random.Random, now: datetime, low: float, high: float) -> datetime:
    return now - timedelta(days=rng.uniform(low, high))


class Maker:
    """Makes the records of one chunk (or of the organisations) with one random stream."""

    def __init__(self, plan: CrowdPlan, rng: random.Random) -> None:
        self.plan = plan
        self.rng = rng
        self.today = plan.today
        self.now = plan.now

    # --- people -------------------------------------------------------------------------------------

    def chunk(self, c: int) -> Iterator[tuple[str, Record]]:
        plan, rng = self.plan, self.rng
        previous_phone = None
        for i in range(c * CHUNK, min((c + 1) * CHUNK, plan.people)):
            id_number = plan.ids(i)
            born = birth_date(id_number)
            age = years_between(born, self.today)
            # A family shares one mobile now and then: the caller picks themselves by ID's last 4.
            phone = previous_phone if previous_phone and rng.random() < 0.06 else plan.mobiles(i)
            previous_phone = phone
            person: Record = {
                "type": "person",
                "id_number": id_number,
                "name": person_name(rng),
                "phone": phone,
                "account": _account(rng.random()),
            }
            if rng.random() < 0.02:
                person["language"] = "en"
            yield "person", person
            licence = None
            if rng.random() < (0.7 if age < 70 else 0.4):
                licence = self.licence(i, id_number, born, age)
                yield "licence", licence
            elif age < 45 and rng.random() < 0.15:
                yield "learner", self.learner(id_number)
            if rng.random() < (0.5 if licence else 0.08):
                yield from self.vehicle_with_violations(i, id_number, licence)
                if rng.random() < 0.1:
                    yield from self.vehicle_with_violations(plan.people + i, id_number, licence)

    def licence(self, i: int, id_number: str, born: date, age: int) -> Record:
        rng, today = self.rng, self.today
        classes = ["C1"]
        r = rng.random()
        if r < 0.12:
            classes = ["C2"]
        elif r < 0.16:
            classes = ["C1", "E"]
        elif age < 62 and r < 0.20:
            classes = [pick(rng, ("A1", "A2", "B1", "B2", "B2"))]
            if rng.random() < 0.3:
                classes.append("D")
        minimum_age = 24 if classes[0] in ("A1", "A2") else 21 if classes[0] in ("B1", "B2") else 18
        start = max(add_years(born, minimum_age), add_years(today, -35))
        first_issued = start + timedelta(days=rng.randrange(max(1, (today - start).days)))
        status = "A"
        # A licence is valid 6 years, renewed for 10, then long-term; a few are not renewed in time.
        expiries = [add_years(first_issued, 6), add_years(first_issued, 16)]
        valid_until: date | None = next((e for e in expiries if e >= today), None)
        lapsed = [e for e in expiries if e < today and (today - e).days < 700]
        if lapsed and rng.random() < 0.03:
            valid_until = lapsed[-1]
            if (today - valid_until).days > 90:
                status = "M"
        points = 0
        if rng.random() < 0.28:
            points = pick(rng, (1, 1, 2, 3, 3, 3, 4, 6, 6, 7, 9, 10, 12))
        if points >= 12:
            status = "B"
        licence: Record = {
            "type": "licence",
            "id_number": id_number,
            "file_number": f"{id_number[:4]}{i % 100_000_000:08d}",
            "classes": classes,
            "status": status,
            "first_issued": first_issued.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
            "points": points,
        }
        if points and rng.random() < 0.03:
            licence["carried_points"] = pick(rng, (1, 2, 3))
        probation_end = add_years(first_issued, 1)
        if probation_end > today:
            licence["probation_until"] = probation_end.isoformat()
        anniversary = first_issued.replace(year=today.year) if (first_issued.month, first_issued.day) != (2, 29) \
            else date(today.year, 2, 28)
        cycle_end = anniversary - timedelta(days=1)
        if cycle_end < today:
            cycle_end = add_years(anniversary, 1) - timedelta(days=1)
        if any(c in AB_CLASSES for c in classes):
            licence["review_due"] = cycle_end.isoformat()
            licence["physical_due"] = cycle_end.isoformat()
        elif age >= 70:
            birthday = add_years(born, age + 1)
            licence["physical_due"] = birthday.isoformat()
        r = rng.random()
        if status == "A" and r < 0.004:
            licence["status"] = pick(rng, "NPT")
            licence["extension_until"] = (today + timedelta(days=rng.randrange(10, 300))).isoformat()
        elif status == "A" and r < 0.010:
            licence["status"] = pick(rng, "DDFHHJU")
        return licence

    def learner(self, id_number: str) -> Record:
        rng, now, today = self.rng, self.now, self.today
        applied_at = _days_ago(rng, now, 1, 1150)
        record: Record = {
            "type": "learner",
            "id_number": id_number,
            "licence_class": rng.choices(("C1", "C2", "B2", "A2"), (78, 18, 3, 1))[0],
            "applied_at": stamp(applied_at),
        }
        applied_on = applied_at.astimezone(CHINA).date()
        permit = applied_on + timedelta(days=rng.randrange(7, 45))
        if rng.random() < 0.25 or permit >= today:
            return record  # KM1 still ahead
        record["permit_issued"] = permit.isoformat()
        passed = {"KM1": permit.isoformat()}
        attempts: dict[str, int] = {}
        km2 = permit + timedelta(days=rng.randrange(20, 200))
        if km2 < today and rng.random() < 0.55:
            passed["KM2"] = km2.isoformat()
            km3 = km2 + timedelta(days=rng.randrange(20, 200))
            if km3 < today and rng.random() < 0.5:
                passed["KM3"] = km3.isoformat()
        elif rng.random() < 0.3:
            attempts["KM2"] = pick(rng, (1, 1, 2, 3, 4))
        record["passed"] = passed
        if attempts:
            record["attempts"] = attempts
        return record

    # --- vehicles -----------------------------------------------------------------------------------

    def vehicle_with_violations(self, v: int, owner: str, licence: Record | None) -> Iterator[tuple[str, Record]]:
        rng, plates = self.rng, self.plan.plates
        classes = licence["classes"] if licence else []
        r = rng.random()
        if any(c in ("A1", "A2", "B1", "B2") for c in classes) and r < 0.5:
            vehicle = self.vehicle(plates.ordinary_plate(v), "01", owner, pick(rng, ("H11", "H21", "K11")),
                                   use="operating", v=v)
        elif r < 0.22 and v < self.plan.people and plates.fits_small_new_energy(v):
            vehicle = self.vehicle(plates.small_new_energy(v), "52", owner, "K33", v=v)
        elif r < 0.26:
            vehicle = self.vehicle(plates.ordinary_plate(v), "02", owner, "K39", v=v)
        else:
            vehicle = self.vehicle(plates.ordinary_plate(v), "02", owner, pick(rng, ("K33", "K33", "K33", "K31")), v=v)
        violations = self.violations(v, vehicle, owner if licence else None)
        if any(not item["handled"] for item in violations) and vehicle["status"] == "A":
            vehicle["status"] = "G"  # 违法未处理
        yield "vehicle", vehicle
        for violation in violations:
            yield "violation", violation

    def vehicle(self, plate: str, plate_type: str, owner: str, kind: str, *, v: int, use: str = "private") -> Record:
        rng, today = self.rng, self.today
        registered = today - timedelta(days=rng.randrange(20, 16 * 365))
        age = years_between(registered, today)
        # Private small cars (not vans) are inspected every 2 years until their 10th, then yearly;
        # the rest every year. Validity runs to the end of the registration month.
        private_car = use == "private" and kind.startswith("K3") and kind != "K39"
        step = 2 if private_car and age < 10 else 1
        due_year = registered.year + step
        while month_end(due_year, registered.month) < today:
            due_year += step if private_car and due_year - registered.year < 10 else 1
        valid_until = month_end(due_year, registered.month)
        status = "A"
        if rng.random() < 0.04 and age >= 2:
            valid_until = month_end(today.year - pick(rng, (0, 1, 1, 2)), registered.month)
            if valid_until >= today:
                valid_until = month_end(today.year - 1, registered.month)
            if (today - valid_until).days > 365:
                status = "Q"
        record: Record = {
            "type": "vehicle",
            "plate": plate,
            "plate_type": plate_type,
            "owner": owner,
            "vin": make_vin(v, registered),
            "engine_last6": f"{rng.getrandbits(24):06X}",
            "vehicle_kind": kind,
            "status": status,
            "registered_on": registered.isoformat(),
            "inspection_valid_until": valid_until.isoformat(),
        }
        if use != "private":
            record["use"] = use
        if use == "operating" or kind.startswith("H"):
            scrap = add_years(registered, 15 if kind.startswith("H") else 10)
            record["scrap_deadline"] = scrap.isoformat()
            if scrap < today:
                record["status"] = "P"
        if status == "A" and rng.random() < 0.003:
            record["status"] = pick(rng, "CKLO")
        return record

    def violations(self, v: int, vehicle: Record, driver: str | None) -> list[Record]:
        rng = self.rng
        r = rng.random()
        if r < 0.003:
            count, recent_unhandled = rng.randrange(5, 8), True
        elif r < 0.25:
            count, recent_unhandled = pick(rng, (1, 1, 1, 2, 2, 3)), False
        else:
            return []
        records = []
        for k in range(count):
            kind = words.VIOLATIONS[-1] if rng.random() < 0.005 else pick(rng, words.ORDINARY_VIOLATIONS)
            records.append(self.violation(f"35{v:010d}{k:02d}", vehicle, kind, driver, unhandled=recent_unhandled))
        return records

    def violation(self, ref: str, vehicle: Record, kind: words.ViolationKind, driver: str | None,
                  *, unhandled: bool = False) -> Record:
        rng, now = self.rng, self.now
        occurred = _days_ago(rng, now, 1, 400)
        recorded = min(occurred + timedelta(days=rng.uniform(0.2, 3)), now - timedelta(minutes=5))
        age_days = (now - recorded).days
        handled = not unhandled and rng.random() < (0.2 if age_days < 10 else 0.75)
        record: Record = {
            "type": "violation",
            "ref": ref,
            "plate": vehicle["plate"],
            "plate_type": vehicle["plate_type"],
            "occurred_at": stamp(occurred),
            "recorded_at": stamp(recorded),
            "location": pick(rng, words.LOCATIONS),
            "code": kind.code,
            "description": kind.description,
            "fine_cny": kind.fine_cny,
            "points": kind.points,
            "handled": handled,
            "paid": False,
        }
        if handled:
            decided = min(recorded + timedelta(days=rng.uniform(0.1, 30)), now - timedelta(minutes=1))
            record["decided_at"] = stamp(decided)
            record["paid"] = rng.random() < (0.9 if (now - decided).days > 15 else 0.5)
            if rng.random() < 0.01:
                record["revoked"] = True
            if driver:
                record["driver_id_number"] = driver
        return record

    # --- organisations ------------------------------------------------------------------------------

    def organisations(self) -> Iterator[tuple[str, Record]]:
        plan, rng = self.plan, self.rng
        j = 0  # organisation vehicles, numbered after the people's
        kinds = tuple(words.ORGANISATION_NAMES)
        for n in range(plan.organisations):
            kind = rng.choices(kinds, (50, 15, 15, 5, 5, 10))[0]
            code = make_org_code(1000 + n, registry="12" if kind in ("hospital", "school") else
                                 "11" if kind == "government" else "91")
            base = pick(rng, words.ORGANISATION_NAMES[kind])
            yield "organisation", {
                "type": "organisation",
                "org_code": code,
                "name": base if n < 20 else f"{base}（{n}）",
                "phone": plan.mobiles(plan.people + n),
                "kind": kind,
            }
            fleet = rng.randrange(5, 40) if kind == "transport" else rng.randrange(3, 20) \
                if kind == "driving_school" else rng.randrange(1, 6)
            for _ in range(fleet):
                v = 2 * plan.people + j
                if kind == "transport" and rng.random() < 0.1 and plan.plates.fits_large_new_energy(j):
                    vehicle = self.vehicle(plan.plates.large_new_energy(j), "51", code, "K11", v=v, use="operating")
                elif kind == "transport":
                    vehicle = self.vehicle(plan.plates.ordinary_plate(v), "01", code, pick(rng, ("H11", "H21", "K11")),
                                           v=v, use="operating")
                else:
                    vehicle = self.vehicle(plan.plates.ordinary_plate(v), "02", code, "K33", v=v)
                j += 1
                violations = self.violations(v, vehicle, None)
                if any(not item["handled"] for item in violations) and vehicle["status"] == "A":
                    vehicle["status"] = "G"
                yield "vehicle", vehicle
                for violation in violations:
                    yield "violation", violation


def chunk_records(plan: CrowdPlan, c: int) -> list[tuple[str, Record]]:
    """The records of chunk `c` (people c*CHUNK up to the next chunk), parents before children."""
    return list(Maker(plan, random.Random(f"{plan.seed}/people/{c}")).chunk(c))


def organisation_records(plan: CrowdPlan) -> list[tuple[str, Record]]:
    return list(Maker(plan, random.Random(f"{plan.seed}/organisations")).organisations())
