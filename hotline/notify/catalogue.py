"""The 37 notice kinds as data (docs/notices.md): 10 vehicle, 22 driving-licence, 5 violation.

Each kind names its trigger, urgency, recipient rule, template and the variables its template may use.
The variables are the whole contract between a planner and a template: planners store exactly these in
`Notice.variables`, each with the type `NoticeVariables` gives it (money in fen), and a test fails when a
template uses any other. The type decides the JSON form: `stored` writes dates as ISO text and `typed` reads
them back as dates, so a text that merely looks like a date (a tracking number, a title) stays text.

A zh-CN text with the signature should fit one 70-character segment. Where it cannot (a violation notice
must carry time, place and facts), `long_reason` says why, next to the kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, get_type_hints

from pydantic import ConfigDict, TypeAdapter, with_config
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here before Python 3.12

CATEGORIES = ("vehicle", "licence", "violation")
TRIGGERS = ("date", "change", "request", "allocation", "result")
# Who receives it: the vehicle's owner (person or organisation); the driver the points went to (W02, the
# owner when the driver is not known); the licence holder; the learner taking the exams.
RECIPIENTS = ("owner", "driver", "holder", "learner")


@dataclass(frozen=True)
class NoticeKind:
    code: str
    category: str
    name_zh: str
    trigger: str  # the main trigger; V06 and D06 also fire on a status change (see change_planner)
    urgent: bool
    recipient: str
    variables: tuple[str, ...]
    long_reason: str | None = None

    @property
    def template(self) -> str:
        """Template name for `hotline.templates.render`: sms_templates/<lang>/notices/<code>.j2."""
        return f"notices/{self.code}"


def _kind(code, name_zh, trigger, variables, *, urgent=False, recipient=None, long_reason=None) -> NoticeKind:
    category = {"V": "vehicle", "D": "licence", "W": "violation"}[code[0]]
    if recipient is None:
        recipient = "holder" if category == "licence" else "owner"
    return NoticeKind(code, category, name_zh, trigger, urgent, recipient, tuple(variables), long_reason)


_VIOLATION_FACTS = (
    "the law asks the notice to state the time, place and facts of the violation (处理程序规定 art. 20); "
    "a 40-character location and the description alone fill most of a segment"
)

_ALL = (
    # Vehicle (机动车业务告知)
    _kind("V01", "机动车检验有效期即将届满", "date", ("plate", "due")),
    _kind("V02", "免检车辆申领检验标志", "date", ("plate", "due")),
    _kind("V03", "机动车逾期未检验", "date", ("plate", "due")),
    _kind("V04", "逾期未检验，连续三个周期未检验将强制报废", "date", ("plate", "due")),
    _kind("V05", "临近强制报废期止", "date", ("plate", "deadline")),
    _kind("V06", "达到强制报废标准", "date", ("plate",)),
    _kind("V07", "机动车登记业务办理结果", "request", ("business", "result", "office")),
    _kind("V08", "号牌/行驶证/检验标志邮寄领取", "request", ("item", "channel", "tracking", "office")),
    _kind("V09", "非本人机动车绑定申请", "request", ("applicant_name_masked", "deadline"), urgent=True),
    _kind("V10", "机动车状态异常", "change", ("plate", "status"), urgent=True),
    # Driving licence (驾驶证业务告知)
    _kind("D01", "驾驶证有效期即将届满", "date", ("due",)),
    _kind("D02", "驾驶证逾期未换证", "date", ("due",)),
    _kind("D03", "驾驶证即将注销", "date", ("due",)),
    # reason: "expired" (pass KM1) | "certificate" (hand in the physical certificate) | None (art. 79 ¶3, ¶4)
    _kind("D04", "驾驶证注销可恢复", "change", ("restore_until", "reason"), urgent=True),
    _kind("D05", "驾驶人审验提醒", "date", ("due",)),
    _kind("D06", "驾驶证逾期未审验", "date", ("due",)),
    _kind("D07", "免予审验", "date", ("cycle_end",)),
    _kind("D08", "提交身体条件证明提醒", "date", ("due",)),
    _kind("D09", "逾期未提交身体条件证明", "date", ("due",)),
    _kind("D10", "即将因未提交身体条件证明注销", "date", ("due",)),
    _kind("D11", "交通违法临近满分", "change", ("points", "cycle_end")),
    _kind("D12", "记满12分", "change", ("points",), urgent=True),
    _kind("D13", "驾驶证停止使用", "change", (), urgent=True),
    _kind("D14", "记分周期届满", "date", ("cycle_end", "carried")),
    _kind("D15", "实习期记满12分注销实习准驾车型", "change", ("classes",), urgent=True),
    _kind("D16", "63岁降级换证/申请延期", "date", ("birthday", "classes", "stage"),
          long_reason="the year-ahead text must say both ways out (downgrade, or the physical and 三力 tests "
          "for an extension); a one-segment text would leave out the one that keeps the classes"),
    _kind("D17", "延期换证/审验/体检即将到期", "date", ("due", "statuses")),
    _kind("D18", "驾驶证暂扣/吊销/扣留", "change", ("status",), urgent=True),
    _kind("D19", "考试预约结果", "allocation", ("subject", "exam_date", "session", "site", "allocated"),
          urgent=True, recipient="learner",
          long_reason="the learner needs the subject, date, session and site to turn up; a 20-character site "
          "name does not fit beside them in one segment"),
    _kind("D20", "考试成绩与补考", "result",
          ("subject", "exam_date", "result", "score", "retake_from", "voided"), recipient="learner",
          long_reason="a failed or missed exam's text must say from when a retake may be booked, and after a fifth "
          "failed KM2/KM3 that the other passed subjects are void; with the longest subject name and two dates "
          "that runs past one segment"),
    _kind("D21", "学习驾驶证明即将到期", "date", ("due",), recipient="learner"),
    _kind("D22", "换补证办结/邮寄", "request", ("business", "channel", "tracking", "office")),
    # Traffic violations (交通违法业务告知)
    _kind("W01", "电子监控违法记录", "change", ("plate", "occurred_at", "location", "description"),
          long_reason=_VIOLATION_FACTS),
    _kind("W02", "违法处理决定及记分", "change", ("plate", "points", "fine", "pay_by", "payment_reference"),
          recipient="driver",
          long_reason="a decision that carries its payment reference (缴款编号, up to 30 digits) says how to pay"),
    _kind("W03", "累积过多未处理违法", "change", ("plate", "count")),
    _kind("W04", "单位车辆未处理违法", "change", ("plate", "occurred_at", "location", "description"),
          long_reason=_VIOLATION_FACTS),
    _kind("W05", "罚款逾期未缴，加处罚款", "date", ("plate", "fine", "late_fee")),
)

KINDS: dict[str, NoticeKind] = {kind.code: kind for kind in _ALL}


# Request kinds: the upstream names them in a notice_request record and gives their data.
REQUEST_KINDS = frozenset(code for code, kind in KINDS.items() if kind.trigger == "request")
# Request data fields that may be left out (null); every other declared variable is required.
OPTIONAL_REQUEST_FIELDS = frozenset({"tracking"})


# Outside the 37 (docs/notices.md, "Added by the project"): the upstream's announcements (公告 / 公布),
# broadcast to the numbers that subscribed by SMS (`GG`). Planned in bulk by hotline/notify/broadcast.py,
# sent like every notice.
ANNOUNCEMENT = NoticeKind(
    "A01", "announcement", "交管公告/公布", "announcement", False, "subscriber", ("kind", "title", "text"),
    long_reason="an announcement's text is the upstream's; it is cut to a few segments, not to one",
)
# The answers to what a person asked on the hotline about a violation (services/violation_handling.py),
# planned by hotline/notify/violation_answers.py; a decided handling request is W02 above. The recipient is
# the person who asked (`requester`), or for a payment the driver (the owner when the driver is not known).
VIOLATION_ANSWERS = (
    NoticeKind("W06", "violation", "罚款缴纳成功", "change", False, "driver", ("plate", "fine", "decision_number")),
    NoticeKind("W07", "violation", "违法延期处理审核结果", "change", False, "requester", ("plate", "outcome", "until")),
    NoticeKind("W08", "violation", "违法记录异议审查结果", "change", False, "requester", ("plate", "outcome")),
    NoticeKind("W09", "violation", "违法自助处理未受理", "change", False, "requester", ("plate",)),
)
# A person's own business done on the hotline (个人业务): the contact number changed (道路交通安全违法行为
# 处理程序规定 art. 20 ¶2; services/number_change.py), planned by hotline/notify/number_change.py when the
# upstream confirms the change, once to the old number and once to the new one.
PERSONAL_BUSINESS = (
    NoticeKind("P01", "person", "联系电话变更成功", "change", False, "person", ("old_phone", "new_phone")),
)
EXTRA_KINDS: dict[str, NoticeKind] = (
    {ANNOUNCEMENT.code: ANNOUNCEMENT} | {k.code: k for k in VIOLATION_ANSWERS} | {k.code: k for k in PERSONAL_BUSINESS}
)


def kind(code: str) -> NoticeKind:
    """The kind for `code` (one of the 37 or an extra kind); KeyError names an unknown code."""
    return KINDS[code] if code in KINDS else EXTRA_KINDS[code]


# Upstream text fields of request kinds are text even when the upstream sent a number.
_CONFIG = ConfigDict(coerce_numbers_to_str=True, extra="ignore")


@with_config(_CONFIG)
class NoticeVariables(TypedDict, total=False):
    """Every variable a notice template may use, with its type; a kind carries the ones it names."""

    plate: str
    due: date | None  # None: D06 for a review whose date the record does not give
    deadline: date
    restore_until: date
    reason: str | None  # D04: "expired" | "certificate" | None
    cycle_end: date
    birthday: date
    exam_date: date
    pay_by: date | None
    payment_reference: str | None  # W02: 缴款编号, when the decision carries one
    decision_number: str | None  # W06
    outcome: str  # W07: granted | refused; W08: upheld | rejected
    until: date | None  # W07: the date handling is deferred to
    old_phone: str  # P01: masked, 138****8000
    new_phone: str  # P01: masked
    retake_from: date | None
    occurred_at: datetime
    location: str
    description: str
    fine: int | None  # fen
    late_fee: int  # fen
    points: int
    carried: int | None
    count: int
    status: str  # a status letter
    statuses: str  # status letters, e.g. "NPT"
    classes: str  # licence classes run together, e.g. "A1B2"
    stage: str
    subject: str
    session: str
    site: str
    allocated: bool
    result: str
    score: int | None
    voided: bool
    business: str
    office: str
    item: str
    channel: str
    tracking: str | None
    applicant_name_masked: str
    kind: str  # A01: announcement | publication
    title: str
    text: str


def stored(code: str, values: NoticeVariables | dict[str, Any]) -> dict[str, Any]:
    """Kind `code`'s variables as `Notice.variables` keeps them (JSON: dates as ISO text); a value of the
    wrong type is refused here, when the notice is planned, not when it is sent."""
    adapter = _adapter(code)
    return adapter.dump_python(adapter.validate_python(values), mode="json")


def typed(code: str, raw: dict[str, Any]) -> NoticeVariables:
    """Kind `code`'s `Notice.variables` read back with their types: dates and times as `date` and
    `datetime`. Variables the kind does not name are left out."""
    return _adapter(code).validate_python(raw)


@cache
def _adapter(code: str) -> TypeAdapter:
    # One small type per kind, holding only its variables: several times faster to check than the whole of
    # NoticeVariables, and this runs for every notice planned and sent.
    types = get_type_hints(NoticeVariables)
    fields = {name: types[name] for name in kind(code).variables}
    return TypeAdapter(with_config(_CONFIG)(TypedDict(f"{code}Variables", fields, total=False)))
