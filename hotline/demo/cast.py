"""The fixed demo cast: the people the README tells you to call, and one showcase per notice kind.

Everyone here is written relative to the demo's day (`today`), so that whatever day the demo runs, the
same story holds: Lin Xiaoming's points are at 9, his car's inspection is due in 30 days, the Chen family
share one phone, and so on. The cast is imported through `hotline.ingest.apply_records` like any upstream
batch, not as a baseline: records the upstream marks as changed in the last days (`updated_at`) raise their
change-triggered notices at once, as a live feed would; date-triggered notices come from the daily scan
(`flask notices scan`).

Main cast (the README's "Try it"; `flask demo-data` prints it with the ID numbers' last 4):

- +8613800138000 林小明 (internet account, PIN 135790): 9 points this cycle (D11), a 12-year-old car due
  for inspection in 30 days (V01), a fine decided 20 days ago and unpaid (late fee, W05), a camera record
  from two days ago (W01) that he may not handle by phone or text (9 + 3 points would reach 12), a new-energy
  car with nothing due.
- +8613800138001 the Chen family, one phone, verified by SMS code; the caller chooses by ID last 4:
  陈建国 (window account, A2 licence, review due in 30 days, D05), 陈美 (licence expires in 30 days, D01),
  陈子涵 (learner with a permit, may apply for KM2; applied for the one-seat demo plan, D19).
- +8613800138002 厦门鹭岛运输有限公司 (organisation, PIN 246810): a lorry with five unhandled violations
  (W04, W03), a lorry whose inspection ran out yesterday (V03), an electric bus.
- +8613800138003 王芳 (replies in English, PIN 112233): an inspection-exempt car due in 90 days (V02), and a
  camera record she may handle herself (BL 1 after WZ, then Y; or by phone 1, 2, 1, 1).
- +8613800138004 张伟 (no online account): hears the public exam plans and inspection slots; his own records
  and bookings need registration first.
- +8613800138005 刘洋 (learner, PIN 135790): failed KM3 twelve days ago (D20), may book a retake now.

Showcase: one person for each remaining notice kind at +86138001381NN (SHOWCASE below), internet
accounts verified by SMS code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..calendar import WorkCalendar
from ..clock import at_china
from .crowd import Record, add_years, stamp
from .numbers import make_id_number, make_org_code, with_check_digit
from .timetable import booking_closes, plan_id
from .words import EXAM_SITES

LIN_PHONE = "+8613800138000"
FAMILY_PHONE = "+8613800138001"
ORGANISATION_PHONE = "+8613800138002"
ENGLISH_PHONE = "+8613800138003"
UNREGISTERED_PHONE = "+8613800138004"
LEARNER_PHONE = "+8613800138005"
LIN_PIN = "135790"
ORGANISATION_PIN = "246810"
ENGLISH_PIN = "112233"
LEARNER_PIN = "135790"
ORGANISATION_CODE = make_org_code(1)


@dataclass(frozen=True)
class Application:
    """An exam application the demo makes through the booking service (hotline-owned, not a record)."""

    id_number: str
    plan_id: str


@dataclass
class Cast:
    records: list[Record]
    applications: list[Application]
    allocation_plan_id: str


class _Builder:
    def __init__(self, today: date, now: datetime, calendar: WorkCalendar) -> None:
        self.today = today
        self.now = now
        self.calendar = calendar
        self.records: list[Record] = []
        self.recently = stamp(now - timedelta(days=1))
        self.marks: dict[str, str] = {}  # people the demo refers to later, by role

    def day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    def add(self, record_type: str, **fields: Any) -> Record:
        record = {"type": record_type, **{k: v for k, v in fields.items() if v is not None}}
        self.records.append(record)
        return record

    def person(self, name: str, phone: str, born: date, sequence: int, *, district: str = "350203",
               account: str = "internet", **extra: Any) -> str:
        id_number = make_id_number(district, born, sequence)
        self.add("person", id_number=id_number, name=name, phone=phone, account=account, **extra)
        return id_number

    def licence(self, id_number: str, classes: list[str], *, first_issued: date, points: int = 0,
                status: str = "A", valid_until: date | None | str = "auto", **extra: Any) -> Record:
        if valid_until == "auto":
            valid_until = add_years(first_issued, 16) if add_years(first_issued, 16) > self.today \
                else add_years(first_issued, 6) if add_years(first_issued, 6) > self.today else None
        record = self.add(
            "licence", id_number=id_number, file_number=f"3502{id_number[-8:-1]}{len(self.records) % 10}",
            classes=classes, status=status, first_issued=first_issued.isoformat(),
            points=points, **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in extra.items()},
        )
        record["valid_until"] = valid_until.isoformat() if isinstance(valid_until, date) else None
        return record

    def vehicle(self, plate: str, owner: str, *, plate_type: str = "02", kind: str = "K33",
                registered: date | None = None, inspection: int = 400, status: str = "A", **extra: Any) -> Record:
        registered = registered or add_years(self.today, -4) - timedelta(days=40)
        serial = f"{len(self.records):06d}"
        return self.add(
            "vehicle", plate=plate, plate_type=plate_type, owner=owner, vin=with_check_digit(f"LSVAB2BM0DN{serial}"),
            engine_last6=f"{len(self.records):06d}", vehicle_kind=kind, status=status,
            registered_on=registered.isoformat(), inspection_valid_until=self.day(inspection),
            **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in extra.items()},
        )

    def violation(self, ref: str, vehicle: Record, *, days_ago: float, fine: int = 200, points: int = 3,
                  code: str = "1345", description: str = "机动车违反禁令标志指示的",
                  location: str = "厦门市思明区湖滨南路与湖滨中路交叉口", decided_days_ago: float | None = None,
                  paid: bool = False, driver: str | None = None) -> Record:
        recorded = self.now - timedelta(days=days_ago)
        fields: dict[str, Any] = {
            "ref": ref, "plate": vehicle["plate"], "plate_type": vehicle["plate_type"],
            "occurred_at": stamp(recorded - timedelta(hours=20)), "recorded_at": stamp(recorded),
            "location": location, "code": code, "description": description, "fine_cny": fine, "points": points,
            "handled": decided_days_ago is not None, "paid": paid,
        }
        if decided_days_ago is not None:
            fields["decided_at"] = stamp(self.now - timedelta(days=decided_days_ago))
            fields["driver_id_number"] = driver
        return self.add("violation", **fields)


def born_years_ago(today: date, years: int, days: int = 0) -> date:
    return add_years(today, -years) - timedelta(days=days)


def cast(today: date, now: datetime, calendar: WorkCalendar) -> Cast:
    """The cast's records for a demo standing on `today` at `now`."""
    b = _Builder(today, now, calendar)
    _main_cast(b)
    _showcase(b)
    allocation_plan = _allocation_plan(b)
    _exam_result(b)
    applications = [
        Application(b.marks["family learner"], allocation_plan),
        Application(b.marks["showcase learner"], allocation_plan),
    ]
    return Cast(b.records, applications, allocation_plan)


def _main_cast(b: _Builder) -> None:
    t = b.today
    # 林小明: points at 9 in this cycle (D11, news from yesterday), a car due for inspection in 30 days
    # (12 years old: inspected on site, V01), a fine decided 20 days ago and still unpaid (late fee, W05),
    # a camera record from two days ago (W01), and a new-energy car with nothing due.
    lin = b.person("林小明", LIN_PHONE, date(1988, 5, 12), 1, pin=LIN_PIN)
    b.licence(lin, ["C1"], first_issued=date(2010, 3, 15), points=9, updated_at=b.recently)
    car = b.vehicle("闽D12345", lin, registered=add_years(t, -12) + timedelta(days=20), inspection=30)
    b.violation("DEMO-LIN-1", car, days_ago=2, fine=200, points=3)
    b.violation("DEMO-LIN-2", car, days_ago=35, fine=200, points=6, code="1625",
                description="驾驶机动车违反道路交通信号灯通行的", decided_days_ago=20, driver=lin,
                location="厦门市湖里区成功大道高林立交")
    b.violation("DEMO-LIN-3", car, days_ago=200, fine=150, points=0, code="1039",
                description="机动车违反规定停放、临时停车，驾驶人不在现场的", decided_days_ago=190, paid=True,
                driver=lin)
    b.vehicle("闽DD01234", lin, plate_type="52", registered=add_years(t, -2), inspection=365)

    # The Chen family share one phone. 陈建国 holds A2: review due in 30 days (D05).
    # 陈美's licence expires in 30 days (D01). 陈子涵 is a learner who may apply for KM2.
    father = b.person("陈建国", FAMILY_PHONE, date(1965, 3, 8), 3, account="window")
    b.licence(father, ["A2", "D"], first_issued=add_years(t + timedelta(days=31), -30), points=3,
              review_due=t + timedelta(days=30))
    b.vehicle("闽D54321", father, registered=add_years(t, -3) - timedelta(days=70), inspection=500)
    mother = b.person("陈美", FAMILY_PHONE, date(1966, 8, 20), 4)
    b.licence(mother, ["C1"], first_issued=add_years(t + timedelta(days=30), -16), valid_until=t + timedelta(days=30))
    learner = b.person("陈子涵", FAMILY_PHONE, date(2006, 2, 14), 5)
    b.add("learner", id_number=learner, licence_class="C1", applied_at=stamp(b.now - timedelta(days=80)),
          permit_issued=b.day(-40), passed={"KM1": b.day(-40)})
    b.marks["family learner"] = learner

    # 厦门鹭岛运输有限公司: a lorry with five unhandled violations, the fifth recorded yesterday (W04, and
    # W03 as the count reaches five), another whose inspection ran out yesterday (V03).
    org = ORGANISATION_CODE
    b.add("organisation", org_code=org, name="厦门鹭岛运输有限公司", phone=ORGANISATION_PHONE, kind="transport",
          pin=ORGANISATION_PIN)
    lorry = b.vehicle("闽D80001", org, plate_type="01", kind="H11", use="operating",
                      registered=add_years(t, -5), inspection=200, status="G",
                      scrap_deadline=add_years(t, 10))
    for n, days_ago in enumerate((60, 45, 30, 12, 1), start=1):
        b.violation(f"DEMO-ORG-{n}", lorry, days_ago=days_ago, fine=200, points=3, code="1344",
                    description="机动车违反禁止标线指示的", location="沈海高速公路K2065+300米")
    b.vehicle("闽D80002", org, plate_type="01", kind="H21", use="operating", registered=add_years(t, -6),
              inspection=-1, scrap_deadline=add_years(t, 9))
    b.vehicle("闽D10001D", org, plate_type="51", kind="K11", use="operating", registered=add_years(t, -1),
              inspection=300, scrap_deadline=add_years(t, 9))

    # 王芳 hears and reads English; her five-year-old car is inspection-exempt: apply for the label (V02).
    # A camera record from three days ago (100 yuan, 3 points; she has 3) she may handle herself (BL,
    # 处理程序规定 art. 58); 林小明's camera record would bring him to 12 points, so he is sent to a window.
    wang = b.person("王芳", ENGLISH_PHONE, date(1992, 11, 3), 6, language="en", pin=ENGLISH_PIN)
    b.licence(wang, ["C1"], first_issued=date(2014, 6, 1), points=3)
    wang_car = b.vehicle("闽D23456", wang, registered=add_years(t + timedelta(days=90), -4) - timedelta(days=10),
                         inspection=90)
    b.violation("DEMO-WANG-1", wang_car, days_ago=3, fine=100, points=3, code="1352",
                description="机动车违反规定使用专用车道的", location="厦门市思明区厦禾路BRT专用道")

    # 张伟 has no online account: his queries are answered with how to register.
    zhang = b.person("张伟", UNREGISTERED_PHONE, date(1979, 1, 30), 7, account="none")
    b.licence(zhang, ["C1"], first_issued=date(2001, 9, 1), points=0)

    # 刘洋 passed KM1 and KM2 and failed KM3 twelve days ago (D20 with the day a retake may be booked).
    liu = b.person("刘洋", LEARNER_PHONE, date(2003, 7, 7), 9, pin=LEARNER_PIN)
    b.add("learner", id_number=liu, licence_class="C1", applied_at=stamp(b.now - timedelta(days=300)),
          permit_issued=b.day(-250), passed={"KM1": b.day(-250), "KM2": b.day(-120)}, attempts={"KM3": 1})
    b.marks["liu"] = liu


# Showcase people: (notice kind it shows, name). Phone +86138001381NN with NN the position.
SHOWCASE = (
    ("V01", "吴国平"), ("V04", "郑海燕"), ("V05", "杨志强"), ("V06", "蔡文博"), ("V07/V08", "许丽娟"),
    ("V09", "谢晓峰"), ("V10", "洪建华"), ("D01", "曾淑珍"), ("D02", "苏嘉怡"), ("D03", "周佳琪"),
    ("D04", "庄文杰"), ("D06", "柯国强"), ("D07", "叶海涛"), ("D08", "邱秀英"), ("D09", "卢一鸣"),
    ("D10", "江诗涵"), ("D12", "方子轩"), ("D13", "何雨泽"), ("D14", "罗欣怡"), ("D15", "赖晨曦"),
    ("D16", "高建国"), ("D16-365", "孙红"), ("D17", "胡秀兰"), ("D18", "徐志鹏"), ("D19", "朱思远"), ("D21", "彭梓涵"),
    ("D22", "傅婷婷"), ("W02", "詹明"),
)


def showcase_phone(position: int) -> str:
    return f"+86138001381{position:02d}"


def _showcase(b: _Builder) -> None:
    t = b.today
    people = {}
    for position, (kind, name) in enumerate(SHOWCASE, start=1):
        born = date(1970 + position % 25, 1 + position % 12, 1 + position % 27)
        if kind == "D16":
            born = add_years(t, -63)  # 63 today
        if kind == "D16-365":
            born = add_years(t + timedelta(days=365), -63)  # 63 in a year
        people[kind] = b.person(name, showcase_phone(position), born, 10 + position)
    p = people

    def plate(n: int) -> str:
        return f"闽D6{n:04d}"  # five digits: a shape the crowd's plates never take

    # Vehicles
    b.licence(p["V01"], ["C1"], first_issued=date(2005, 4, 1))
    b.vehicle(plate(1), p["V01"], kind="K39", inspection=90)  # a van: inspected on site (V01 -90)
    b.vehicle(plate(2), p["V04"], inspection=-365, status="Q", registered=add_years(t, -8))  # a year overdue
    b.vehicle(plate(3), p["V05"], plate_type="01", kind="H11", use="operating", registered=add_years(t, -15),
              inspection=120, scrap_deadline=t + timedelta(days=180))
    b.vehicle(plate(4), p["V05"], plate_type="01", kind="H21", use="operating", registered=add_years(t, -15),
              inspection=120, scrap_deadline=t + timedelta(days=30))
    b.vehicle(plate(5), p["V06"], plate_type="01", kind="H11", use="operating", registered=add_years(t, -15),
              inspection=40, scrap_deadline=t - timedelta(days=1), status="P", updated_at=b.recently)
    v07 = b.vehicle(plate(6), p["V07/V08"], registered=add_years(t, -1))
    v09 = b.vehicle(plate(7), p["V09"])
    b.vehicle(plate(8), p["V10"], status="L", updated_at=b.recently)  # 暂扣, reported yesterday
    w02 = b.vehicle(plate(9), p["W02"])
    b.violation("DEMO-W02-1", w02, days_ago=6, fine=200, points=3, decided_days_ago=1, driver=p["W02"])
    b.licence(p["W02"], ["C1"], first_issued=date(2012, 1, 9), points=3, updated_at=b.recently)
    vehicle_key = {"plate": v07["plate"], "plate_type": v07["plate_type"]}
    b.add("notice_request", request_id="DEMO-V07", kind="V07", to=vehicle_key,
          data={"business": "转移登记", "result": "办结", "office": "厦门市车管所"})
    b.add("notice_request", request_id="DEMO-V08", kind="V08", to=vehicle_key,
          data={"item": "机动车登记证书", "channel": "邮寄", "tracking": "EMS 1190012345678", "office": "厦门市车管所"})
    b.add("notice_request", request_id="DEMO-V09", kind="V09", to={"plate": v09["plate"], "plate_type": "02"},
          data={"applicant_name_masked": "李*", "deadline": b.day(7)})

    # Licences
    b.licence(p["D01"], ["C1"], first_issued=add_years(t + timedelta(days=90), -6), valid_until=t + timedelta(days=90))
    b.licence(p["D02"], ["C1"], first_issued=add_years(t - timedelta(days=1), -6), valid_until=t - timedelta(days=1))
    b.licence(p["D03"], ["C1"], first_issued=add_years(t - timedelta(days=330), -6),
              valid_until=t - timedelta(days=330), status="M")
    b.licence(p["D04"], ["C1"], first_issued=date(2003, 5, 5), status="R", updated_at=b.recently)
    b.licence(p["D06"], ["B2"], first_issued=add_years(t, -12), points=4, review_due=t - timedelta(days=1),
              status="S", updated_at=b.recently)
    # D07 and D14: the scoring cycle ended yesterday; the record was reported during it.
    reported = stamp(b.now - timedelta(days=3))
    b.licence(p["D07"], ["A1"], first_issued=add_years(t, -11), points=0, updated_at=reported,
              review_due=add_years(t, 1) - timedelta(days=1))
    b.licence(p["D14"], ["C1"], first_issued=add_years(t, -9), points=6, updated_at=reported)
    b.licence(p["D08"], ["B1"], first_issued=date(2008, 8, 8), points=1, physical_due=t + timedelta(days=30))
    b.licence(p["D09"], ["B1"], first_issued=date(2008, 9, 9), points=1, physical_due=t - timedelta(days=1))
    b.licence(p["D10"], ["B1"], first_issued=date(2008, 10, 10), points=1, physical_due=t - timedelta(days=330))
    b.licence(p["D12"], ["C1"], first_issued=date(2015, 2, 2), points=12, status="B", updated_at=b.recently)
    b.licence(p["D13"], ["C1"], first_issued=date(2013, 3, 3), points=12, status="J", updated_at=b.recently)
    b.licence(p["D15"], ["C1"], first_issued=t - timedelta(days=200), points=12,
              probation_until=t + timedelta(days=165), updated_at=b.recently)
    b.licence(p["D16"], ["A2"], first_issued=date(1995, 6, 6), points=0)
    b.licence(p["D16-365"], ["B2"], first_issued=date(1996, 6, 6), points=0)
    b.licence(p["D17"], ["C1"], first_issued=date(2009, 4, 4), status="N", extension_until=t + timedelta(days=30))
    b.licence(p["D18"], ["C1"], first_issued=date(2011, 7, 1), points=6, status="D", updated_at=b.recently)
    b.add("notice_request", request_id="DEMO-D22", kind="D22", to=p["D22"],
          data={"business": "期满换证", "channel": "邮寄", "tracking": "EMS 1190087654321", "office": "厦门市车管所"})
    b.licence(p["D22"], ["C1"], first_issued=date(2010, 12, 1), points=0)

    # Learners
    b.add("learner", id_number=p["D19"], licence_class="C1", applied_at=stamp(b.now - timedelta(days=90)),
          permit_issued=b.day(-50), passed={"KM1": b.day(-50)})
    b.marks["showcase learner"] = p["D19"]
    permit = add_years(t + timedelta(days=90), -3)
    b.add("learner", id_number=p["D21"], licence_class="C2", applied_at=stamp(at_china(permit - timedelta(days=20))),
          permit_issued=permit.isoformat(), passed={"KM1": permit.isoformat()}, attempts={"KM2": 2})


def _allocation_plan(b: _Builder) -> str:
    """A one-seat KM2 plan whose booking closes next: two cast learners apply, one gets the seat (D19)."""
    day = b.today
    while True:
        day += timedelta(days=1)
        if b.calendar.is_working_day(day) and booking_closes(b.calendar, day) > b.now:
            break
    site_code, site_name = EXAM_SITES[0]
    pid = plan_id(site_code, day, "KM2", "PM") + "-DEMO"
    b.add("exam_plan", plan_id=pid, subject="KM2", classes=["C1", "C2"], site_code=site_code, site_name=site_name,
          date=day.isoformat(), session="PM", capacity=1, booking_closes_at=stamp(booking_closes(b.calendar, day)))
    return pid


def _exam_result(b: _Builder) -> None:
    """刘洋's failed KM3, on a plan of its own so it never depends on the timetable: the exam was more
    than 10 days ago (a retake may be booked now), the result reached the hotline yesterday (D20)."""
    day = b.today - timedelta(days=12)
    while not b.calendar.is_working_day(day):
        day -= timedelta(days=1)
    site_code, site_name = EXAM_SITES[1]
    pid = plan_id(site_code, day, "KM3", "AM") + "-DEMO"
    b.add("exam_plan", plan_id=pid, subject="KM3", classes=["C1", "C2"], site_code=site_code, site_name=site_name,
          date=day.isoformat(), session="AM", capacity=40, booking_closes_at=stamp(booking_closes(b.calendar, day)))
    b.add("exam_result", id_number=b.marks["liu"], plan_id=pid, result="fail", score=72, updated_at=b.recently)

# The desk's demo logins (flask demo-data makes them; never in production): (name, role, password).
DESK_STAFF = (
    ("demo-agent", "agent", "desk-demo-agent"),
    ("demo-supervisor", "supervisor", "desk-demo-supervisor"),
)
