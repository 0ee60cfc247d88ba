"""`flask demo-data` against real databases: someone for every notice kind and every menu path, rows equal
to what the import makes of the same records, and an all-or-nothing load into an empty database only."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from hotline.clock import CHINA, FixedClock
from hotline.db import (
    Base,
    ExamPlan,
    Learner,
    Licence,
    Notice,
    Person,
    Vehicle,
    Violation,
    make_engine,
    make_sessionmaker,
    transaction,
)
from hotline.demo import cast
from hotline.demo.bulk import TABLE_ORDER, load_crowd
from hotline.demo.crowd import CrowdPlan
from hotline.demo.export import write_jsonl
from hotline.ingest import apply_records, read_jsonl
from hotline.notify.catalogue import KINDS
from hotline.services import access, exams, identity, inspections, queries, violation_handling
from hotline.services.errors import Refusal
from tests.factories import licence, person, store
from workers.jobs import allocate_plan

DAY = "2026-11-24"
DEMO_NOW = datetime(2026, 11, 24, 9, 0, tzinfo=CHINA)


def demo_data(app, *args: str):
    result = app.test_cli_runner().invoke(args=["demo-data", *args])
    assert result.exit_code == 0, result.output
    return result


def test_every_notice_kind_has_someone(app, rt):
    loaded = demo_data(app, "--people", "300", "--date", DAY)
    assert "notices planned from the cast's recent changes" in loaded.output
    scan = app.test_cli_runner().invoke(args=["notices", "scan", "--date", DAY])
    assert scan.exit_code == 0, scan.output

    # Booking for the one-seat demo plan closes at 17:00; the allocation job then tells both applicants.
    with rt.transaction() as session:
        plan_id = session.scalar(select(ExamPlan.plan_id).where(ExamPlan.plan_id.like("%-DEMO"),
                                                                ExamPlan.subject == "KM2"))
        closes = session.scalar(select(ExamPlan.booking_closes_at).where(ExamPlan.plan_id == plan_id))
        result = allocate_plan(session, FixedClock(closes), plan_id)
    assert len(result.successful) == 1 and len(result.unsuccessful) == 1

    with rt.transaction(read_only=True) as session:
        planned = set(session.scalars(select(Notice.kind).distinct()))
    assert planned == set(KINDS), f"no one shows {sorted(set(KINDS) - planned)}"
    assert len(KINDS) == 37


def test_the_readme_people_are_there_for_every_menu_path(app, rt, settings, clock):
    loaded = demo_data(app, "--people", "200", "--date", DAY)
    clock.set(DEMO_NOW)
    with rt.transaction() as session:
        lin, = identity.identify(session, cast.LIN_PHONE)
        assert lin.has_pin and lin.account == "internet"
        assert identity.verify_pin(session, clock, settings, lin, cast.LIN_PIN, cast.LIN_PHONE).ok
        assert queries.licence_status(session, clock, lin).points == 9
        own = queries.violations(session, clock, lin)
        assert any(not v.handled for v in own)
        assert any(v.late_fee_fen > 0 for v in own)
        assert any(v.inspection_valid_until.isoformat() == "2026-12-24" for v in queries.vehicles(session, clock, lin))

        family = identity.identify(session, cast.FAMILY_PHONE)
        assert len(family) == 3 and len({p.id_last4 for p in family}) == 3
        assert not any(p.has_pin for p in family)  # they verify by a code sent by SMS
        for party in family:  # the printed table tells each their last 4
            assert f"…{party.id_last4}" in loaded.output

        org, = identity.identify(session, cast.ORGANISATION_PHONE)
        assert org.kind == "organisation" and access.allowed(org, access.Action.ORG_VEHICLES)
        assert max(v.unhandled_count for v in queries.vehicles(session, clock, org)) >= 5

        english, = identity.identify(session, cast.ENGLISH_PHONE)
        assert english.language == "en"
        # Order 164: Lin's car is in its booking window (art. 54); 王芳's is exempt and applies for the label
        # (art. 55), so the README's "book a slot" and "inspection-exempt" both hold.
        assert [v.inspection_refusal for v in queries.vehicles(session, clock, lin)
                if v.inspection_valid_until.isoformat() == "2026-12-24"] == [None]
        assert [v.inspection_refusal for v in queries.vehicles(session, clock, english)] == ["inspection_exempt"]
        # 处理程序规定 art. 58: 王芳 may handle her camera record herself; 林小明's would bring him to 12 points
        # (Order 163 art. 17), so he is sent to a window: the README's try-it shows both.
        [wang_record] = [v for v in queries.violations(session, clock, english) if not v.handled]
        assert violation_handling.check_handle(session, clock, english, wang_record.ref).points_after == 6
        [lin_record] = [v for v in own if not v.handled]
        with pytest.raises(Refusal) as refused:
            violation_handling.check_handle(session, clock, lin, lin_record.ref)
        assert refused.value.code == "points_limit"
        unregistered, = identity.identify(session, cast.UNREGISTERED_PHONE)
        assert not access.allowed(unregistered, access.Action.OWN_QUERIES)

        learner = next(p for p in family if p.account == "internet" and
                       session.get(Person, p.id).learner is not None)
        plans = exams.open_plans(session, clock, subject="KM2", licence_class="C1")
        assert plans
        liu, = identity.identify(session, cast.LEARNER_PHONE)
        km3 = exams.open_plans(session, clock, subject="KM3", licence_class="C1")[-1]
        assert exams.apply(session, clock, rt.calendar, settings, liu, km3.plan_id, "sms").status == "pending"
        assert exams.applications(session, clock, learner)  # the demo applied for the one-seat plan
        assert inspections.open_slots(session, clock)
        # Learners at every stage: no permit yet, permit only, KM2 passed.
        stages = learner_stages(session)
        assert stages["no permit"] and stages["permit"] and stages["KM2 passed"]


def learner_stages(session) -> dict[str, int]:
    counts = {"no permit": 0, "permit": 0, "KM2 passed": 0}
    for learner in session.scalars(select(Learner)):
        if learner.permit_issued is None:
            counts["no permit"] += 1
        elif "KM2" in (learner.passed or {}):
            counts["KM2 passed"] += 1
        else:
            counts["permit"] += 1
    return counts


def _rows(session, model, key, columns):
    return {key(row): tuple(getattr(row, c) for c in columns) for row in session.scalars(select(model))}


def test_bulk_rows_are_what_the_import_makes_of_the_same_records(app, rt, tmp_path):
    demo_data(app, "--people", "300", "--date", DAY)
    out = io.StringIO()
    write_jsonl(out, people=300, seed=12123, now=DEMO_NOW, calendar=rt.calendar)
    imported_url = f"sqlite:///{tmp_path / 'imported.db'}"
    engine = make_engine(imported_url)
    Base.metadata.create_all(engine)
    with transaction(make_sessionmaker(engine)) as session:
        result = apply_records(session, read_jsonl(io.StringIO(out.getvalue())), now=DEMO_NOW, baseline=True,
                               pepper="test-pepper", collect_changes=False)
        assert not result.errors

    person_columns = ("name", "phone", "account", "language", "birth_date", "turns_63_on")
    licence_columns = ("classes", "status", "first_issued", "valid_until", "points", "carried_points",
                       "probation_until", "probation_classes", "review_due", "physical_due", "extension_until",
                       "cycle_anniversary", "has_ab_class")
    vehicle_columns = ("vin", "engine_last6", "use", "vehicle_kind", "status", "registered_on",
                       "inspection_valid_until", "scrap_deadline")
    violation_columns = ("occurred_at", "recorded_at", "fine_fen", "points", "handled", "decided_at", "paid",
                         "revoked", "driver_id_number", "late_fee_from")
    compared = {}
    for url in (rt.settings.database_url, imported_url):
        with transaction(make_sessionmaker(make_engine(url)), read_only=True) as session:
            compared[url] = (
                _rows(session, Person, lambda r: r.id_number, person_columns),
                _rows(session, Licence, lambda r: r.holder.id_number, licence_columns),
                _rows(session, Vehicle, lambda r: (r.plate, r.plate_type), vehicle_columns),
                _rows(session, Violation, lambda r: r.ref, violation_columns),
            )
    bulk, via_import = compared[rt.settings.database_url], compared[imported_url]
    for loaded, expected in zip(bulk, via_import, strict=True):
        assert len(loaded) > 30
        assert loaded == expected


def test_the_jsonl_file_imports_with_flask_import(app, rt, tmp_path):
    path = tmp_path / "demo.jsonl"
    result = app.test_cli_runner().invoke(args=["demo-data", "--people", "150", "--date", DAY, "--jsonl",
                                                str(path)])
    assert result.exit_code == 0, result.output
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["type"] == "exam_plan"
    imported = app.test_cli_runner().invoke(args=["import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert f"{len(lines)} inserted" in imported.output
    people = sum(1 for line in lines if json.loads(line)["type"] == "person")
    with rt.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Person)) == people


def test_only_an_empty_database_is_filled(app, rt):
    demo_data(app, "--people", "50", "--date", DAY)
    with rt.transaction(read_only=True) as session:
        people = session.scalar(select(func.count()).select_from(Person))
    # On the demo's full database the command adds nothing and prints the cast, as the README says.
    again = demo_data(app, "--people", "50", "--date", DAY)
    assert f"nothing added, {people} people are already there" in again.output
    assert "+8613800138000  PIN 135790  林小明" in again.output
    assert ", organisation)" in again.output and again.output.count("(ID …") >= 3  # the firm, the family
    skipped = demo_data(app, "--people", "50", "--date", DAY, "--if-empty")
    assert "nothing added" in skipped.output
    with rt.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Person)) == people


def test_reset_starts_over_with_an_empty_database_and_redis(app, rt):
    demo_data(app, "--people", "50", "--date", DAY)
    with rt.transaction(read_only=True) as session:
        people = session.scalar(select(func.count()).select_from(Person))
        notices = session.scalar(select(func.count()).select_from(Notice))
    prefix = rt.settings.rq_queue_prefix
    # What trying the demo leaves in Redis: a rate-limit count, a job in a queue, a scheduler run id.
    rt.redis.set(f"{prefix}:sms:+8613800138000:rate:1", 30)
    rt.redis.set(f"{prefix}:schedule:scan:2026-11-24", 1)
    rt.queue().enqueue("workers.jobs.scan", "2026-11-24")
    fresh = demo_data(app, "--people", "50", "--date", DAY, "--reset")
    assert "demo data: started over" in fresh.output and "demo data for 2026-11-24" in fresh.output
    with rt.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Person)) == people
        assert session.scalar(select(func.count()).select_from(Notice)) == notices
    assert rt.redis.get(f"{prefix}:sms:+8613800138000:rate:1") is None
    assert rt.redis.get(f"{prefix}:schedule:scan:2026-11-24") is None
    assert rt.queue().count == 0


def test_reset_is_refused_in_production(app, rt, monkeypatch):
    demo_data(app, "--people", "0", "--date", DAY)
    monkeypatch.setattr(type(rt.settings), "production", property(lambda self: True))
    refused = app.test_cli_runner().invoke(args=["demo-data", "--reset"])
    assert refused.exit_code != 0 and "not production" in refused.output
    with rt.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Person)) > 0


def _schema(session) -> set:
    if session.get_bind().dialect.name == "sqlite":
        return set(session.execute(text("SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'table')")))
    indexes = session.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")).all()
    constraints = session.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = "
        "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())")).all()
    return set(indexes) | set(constraints)


def test_a_large_load_puts_every_index_and_constraint_back(rt):
    with rt.transaction(read_only=True) as session:
        before = _schema(session)
    plan = CrowdPlan(people=400, seed=2, now=DEMO_NOW)
    with rt.transaction() as session:
        written = load_crowd(session, plan, defer_indexes=True)
    with rt.transaction(read_only=True) as session:
        assert _schema(session) == before
        for kind in TABLE_ORDER:
            assert session.scalar(text(f"SELECT count(*) FROM {kind}")) == written[kind]  # noqa: S608
    # The id sequences moved past the bulk rows: an import afterwards gets fresh ids.
    newcomer = person()
    with rt.transaction() as session:
        result = store(session, newcomer, licence(newcomer), now=DEMO_NOW)
        assert result.inserted == 2
        assert session.scalar(select(func.count()).select_from(Person)) == written["person"] + 1


def test_demo_inspection_stations_are_named_as_inspection_bodies_are():
    """A station is a 机动车检测站 / 检测中心 (机动车检验机构); "安检" is airport security, not a car test."""
    from hotline.demo.words import INSPECTION_STATIONS

    for _, name in INSPECTION_STATIONS:
        assert "安检" not in name and name.endswith(("机动车检测站", "机动车检测中心")), name
