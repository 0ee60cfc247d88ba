"""Driving licences and learners: the classes, the exam subjects and the points a violation scores.

The classes are those of 机动车驾驶证申领和使用规定 (MPS Order 162) art. 9; A1, A2, A3, B1 and B2 are the large
and heavy classes (大中型客货车) whose holders are reviewed every year (art. 68) and wait longer between
exam attempts (art. 43, services/exams.py).
"""

from __future__ import annotations

LICENCE_CLASSES = ("A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "C6", "D", "E", "F", "M", "N", "P")
AB_CLASSES = frozenset({"A1", "A2", "A3", "B1", "B2"})

SUBJECTS = ("KM1", "KM2", "KM3", "KM3W")
# The subjects taken on the learning permit (art. 41: a pass on a permit that ran out is void).
PERMIT_SUBJECTS = ("KM2", "KM3", "KM3W")
# C6 (轻型牵引挂车) is only ever added to a licence held (art. 16 does not offer it for a first licence; art.
# 17(1)), and adding it takes KM2 and the safe-driving theory (KM3W), no KM3 road test (art. 30 ¶3). Every
# other class, first or added, takes all three on the permit.
NO_ROAD_TEST = frozenset({"C6"})
# Points one violation scores (道路交通安全违法行为记分管理办法 art. 8-12).
VIOLATION_POINTS = (0, 1, 3, 6, 9, 12)

# Licence status letters (GA code table, DATASET.md) that end the holder's business with renewals and
# reviews: revoked (E 吊销), withdrawn (F 撤销), cancelled (G 注销, R 注销可恢复).
INACTIVE_LICENCE = frozenset("EFGR")


def permit_subjects(licence_class: str) -> tuple[str, ...]:
    """The subjects a learner applying for the class takes on the learning permit (art. 30)."""
    if licence_class in NO_ROAD_TEST:
        return tuple(s for s in PERMIT_SUBJECTS if s != "KM3")
    return PERMIT_SUBJECTS


def permit_subjects_passed(licence_class: str, passed: dict | None) -> bool:
    """Whether a learner record (`Learner.licence_class`, `Learner.passed`) has every subject its class takes
    on the permit passed: the licence is on its way, and the permit no longer matters."""
    return set(permit_subjects(licence_class)) <= set(passed or {})
