"""Every notice text: present in both languages, only declared variables, one segment where it can be,
no links, no ID numbers, no request for a code or a payment by SMS."""

from __future__ import annotations

import itertools
import re

import pytest
from jinja2 import meta

from hotline.config import Settings
from hotline.notify.catalogue import KINDS
from hotline.notify.notice_text import render_notice
from hotline.templates import LANGUAGES, TEMPLATE_ROOT, environment

ONE_SEGMENT = 70

# Worst cases for every variable a notice may carry; each list is tried in full (the product over a kind's
# variables), so every branch of a template is rendered. Texts are the longest they can be in real data.
WORST: dict[str, list] = {
    "plate": ["闽DD12345", "闽D·12345"],  # 8 characters; a display dot must never reach the text
    "due": ["2026-12-31"],
    "deadline": ["2026-12-31"],
    "cycle_end": ["2026-12-31"],
    "birthday": ["2026-12-31"],
    "restore_until": ["2028-12-31"],
    "reason": ["certificate", "expired", None],
    "exam_date": ["2026-12-31"],
    "pay_by": ["2026-12-31", None],
    "payment_reference": ["350200260001234567890123456789", None],
    "retake_from": ["2026-12-31", None],
    "occurred_at": ["2026-12-31T15:59:00+00:00"],  # 23:59 in China
    "location": ["厦门市湖里区枋湖北二路与金湖路交叉口往金山方向约一百五十米处东侧路段天桥"[:40]],
    "description": ["驾驶中型以上载客载货汽车在高速公路以外的道路上超过规定时速百分之五十以上的"[:30]],
    "fine": [500000],  # 5000 yuan, the largest fine a single violation carries
    "late_fee": [499999],
    "points": [12, 99],
    "carried": [0, 99],
    "count": [99],
    "status": ["C", "K", "L", "O", "D", "F", "U", "Z"],
    "statuses": ["NPT", "N", ""],
    "classes": ["A1A2A3B1B2"],
    "stage": ["-365", "0"],
    "subject": ["KM1", "KM2", "KM3", "KM3W"],
    "session": ["AM", "PM"],
    "site": ["厦门市机动车驾驶人考试中心集美第二考场"[:20]],
    "allocated": [True, False],
    "result": ["pass", "fail", "absent"],
    "score": [100, None],
    "voided": [True, False],
    "business": ["机动车转移登记业务"[:8]],
    "office": ["厦门市公安局交通警察支队车辆管理所"],
    "item": ["机动车检验合格标志"],
    "channel": ["邮寄", "自取"],
    "tracking": ["顺丰速运SF1234567890123", None],
    "applicant_name_masked": ["欧**娜"],
}
# V07's `result` is the business outcome, not an exam result.
PER_KIND = {"V07": {"result": ["受理", "办结", "退办"]}}

ID_NUMBER = re.compile(r"\d{17}[\dXx]")
SIGNATURE = Settings.from_env().sms_signature


def combinations(code: str):
    kind = KINDS[code]
    choices = [PER_KIND.get(code, {}).get(name, WORST[name]) for name in kind.variables]
    for values in itertools.product(*choices):
        yield dict(zip(kind.variables, values, strict=True))


def source(language: str, code: str) -> str:
    return (TEMPLATE_ROOT / language / "notices" / f"{code}.j2").read_text(encoding="utf-8")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(KINDS))
def test_template_exists_and_uses_only_declared_variables(code, language):
    path = TEMPLATE_ROOT / language / "notices" / f"{code}.j2"
    assert path.is_file(), f"{code} has no {language} template"
    used = meta.find_undeclared_variables(environment().parse(source(language, code)))
    undeclared = used - set(KINDS[code].variables) - {"language"}
    assert not undeclared, f"{language}/{code} uses undeclared {sorted(undeclared)}"


@pytest.mark.parametrize("code", sorted(KINDS))
def test_every_declared_variable_is_used(code):
    used = meta.find_undeclared_variables(environment().parse(source("zh-CN", code)))
    assert set(KINDS[code].variables) <= used, f"{code} declares variables its text never uses"


@pytest.mark.parametrize("code", sorted(KINDS))
def test_zh_text_fits_one_segment_or_says_why_not(code):
    settings = Settings(sms_signature=SIGNATURE)
    longest = max((render_notice((code, values), "zh-CN", settings) for values in combinations(code)), key=len)
    kind = KINDS[code]
    if kind.long_reason is None:
        assert len(longest) <= ONE_SEGMENT, f"{code} runs to {len(longest)} characters: {longest}"
    else:
        # A reason that no longer applies is a stale excuse: the text should then be one segment.
        assert len(longest) > ONE_SEGMENT, f"{code} fits one segment now; drop its long_reason"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(KINDS))
def test_texts_carry_no_links_ids_codes_or_dots(code, language):
    settings = Settings(sms_signature=SIGNATURE)
    for values in combinations(code):
        text = render_notice((code, values), language, settings)
        body = text.removeprefix(SIGNATURE)
        lowered = text.lower()
        assert "http" not in lowered and "www" not in lowered and ".cn" not in lowered
        assert not ID_NUMBER.search(text)
        assert "验证码" not in text and "verification code" not in lowered
        assert "·" not in text  # plates without the display dot
        assert "【" not in body and "】" not in body  # carriers refuse brackets inside the body
        assert "None" not in text and "{" not in text
        assert text.startswith(SIGNATURE)


def test_a_missing_variable_is_an_error_not_a_hole():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        render_notice(("V01", {"plate": "闽D12345"}), "zh-CN", Settings())


def test_an_example_reads_as_expected():
    text = render_notice(("V01", {"plate": "闽D·12345", "due": "2027-02-22"}), "zh-CN", Settings())
    assert text == "【交管12123】您的车辆闽D12345检验有效期至2027年02月22日，请在期满前检验，可在交管12123App预约。"
    english = render_notice(("V01", {"plate": "闽D12345", "due": "2027-02-22"}), "en", Settings())
    assert "22 Feb 2027" in english and "闽D12345" in english
