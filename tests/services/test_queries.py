"""Licence, vehicle and violation queries: the facts a caller hears, on fixed dates."""

from datetime import date, datetime

import pytest

from hotline.calendar import official
from hotline.clock import CHINA
from hotline.domain.fines import late_fee_fen, pay_by
from hotline.domain.scoring import scoring_cycle
from hotline.services import identity, queries
from hotline.services.errors import NotPermitted
from hotline.services.identity import Party
from hotline.services.statuses import licence_status_words, vehicle_status_words
from tests.factories import licence, organisation, person, store, vehicle, violation
from tests.sql_log import sent

# --- status words ----------------------------------------------------------------------------------


def test_licence_status_letters_read_in_both_languages():
    assert licence_status_words("A", "zh-CN") == ["正常"]
    assert licence_status_words("HM", "zh-CN") == ["违法未处理", "逾期未换证"]
    assert licence_status_words("HM", "en") == ["violation not handled", "renewal overdue"]
    assert licence_status_words("B", "zh-CN") == ["超分"]


def test_every_licence_letter_of_the_contract_has_words():
    for letter in "ABCDEFGHIJKLMNPRSTU":
        assert licence_status_words(letter, "zh-CN") != ["其他"], letter
        assert licence_status_words(letter, "en") != ["other"], letter


def test_every_vehicle_letter_of_the_contract_has_words():
    for letter in "ABCDEGHIJKLMNOPQ":
        assert vehicle_status_words(letter, "zh-CN") != ["其他"], letter
        assert vehicle_status_words(letter, "en") != ["other"], letter
    assert vehicle_status_words("AQ", "zh-CN") == ["正常", "逾期未检验"]
    assert vehicle_status_words("C", "en") == ["stolen or robbed"]


def test_an_unknown_capital_letter_reads_as_other_once():
    assert licence_status_words("Z", "zh-CN") == ["其他"]
    assert licence_status_words("AXZ", "en") == ["normal", "other"]
    # O and Q are licence letters nobody defined, F a vehicle letter nobody defined.
    assert licence_status_words("O", "zh-CN") == ["其他"]
    assert vehicle_status_words("F", "en") == ["other"]


def test_a_language_we_do_not_speak_is_an_error_not_a_guess():
    with pytest.raises(ValueError):
        licence_status_words("A", "fr")


# --- late fee --------------------------------------------------------------------------------------

SERVED = datetime(2026, 10, 1, 9, 30, tzinfo=CHINA)  # decision served on 1 October (China)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (0, 0),
        (15, 0),  # the last day to pay without a late fee
        (16, 600),  # 3 % of 200 yuan
        (17, 1200),  # 6 %
        (33, 20000 * 3 * 18 // 100),  # 54 %
        (49, 20000),  # 102 % would pass the fine: capped
        (50, 20000),
    ],
)
def test_late_fee_from_the_sixteenth_day(day, expected):
    today = date.fromordinal(SERVED.date().toordinal() + day)
    assert late_fee_fen(20000, SERVED, today, official()) == expected


def test_the_service_day_is_the_china_date_not_the_utc_date():
    # 1 October 00:30 in China is still 30 September in UTC.
    served = datetime(2026, 10, 1, 0, 30, tzinfo=CHINA)
    assert late_fee_fen(10000, served, date(2026, 10, 16), official()) == 0
    assert late_fee_fen(10000, served, date(2026, 10, 17), official()) == 300


def test_late_fee_rounds_half_up_in_fen():
    # 3 % of 0.50 yuan is 1.5 fen: 2 fen. 3 % of 0.10 yuan is 0.3 fen: 0 fen.
    assert late_fee_fen(50, SERVED, date(2026, 10, 17), official()) == 2
    assert late_fee_fen(10, SERVED, date(2026, 10, 17), official()) == 0


def test_nothing_is_owed_late_when_revoked_paid_undecided_or_free():
    late = date(2026, 11, 24)
    assert late_fee_fen(20000, SERVED, late, official(), revoked=True) == 0
    assert late_fee_fen(20000, SERVED, late, official(), paid=True) == 0
    assert late_fee_fen(20000, None, late, official()) == 0
    assert late_fee_fen(0, SERVED, late, official()) == 0


# --- scoring cycle ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_issued", "today", "cycle"),
    [
        (date(2015, 3, 15), date(2026, 11, 24), (date(2026, 3, 15), date(2027, 3, 14))),
        (date(2015, 3, 15), date(2026, 3, 14), (date(2025, 3, 15), date(2026, 3, 14))),
        (date(2015, 3, 15), date(2026, 3, 15), (date(2026, 3, 15), date(2027, 3, 14))),
        (date(2026, 6, 1), date(2026, 11, 24), (date(2026, 6, 1), date(2027, 5, 31))),  # the first cycle
        (date(2010, 1, 1), date(2026, 12, 31), (date(2026, 1, 1), date(2026, 12, 31))),
    ],
)
def test_scoring_cycle_is_twelve_months_from_the_first_issue(first_issued, today, cycle):
    assert scoring_cycle(first_issued, today) == cycle


@pytest.mark.parametrize(
    ("today", "cycle"),
    [
        (date(2024, 2, 29), (date(2024, 2, 29), date(2025, 2, 28))),
        (date(2025, 2, 28), (date(2024, 2, 29), date(2025, 2, 28))),
        (date(2025, 3, 1), (date(2025, 3, 1), date(2026, 2, 28))),
        (date(2026, 11, 24), (date(2026, 3, 1), date(2027, 2, 28))),
        (date(2028, 2, 28), (date(2027, 3, 1), date(2028, 2, 28))),
        (date(2028, 2, 29), (date(2028, 2, 29), date(2029, 2, 28))),
    ],
)
def test_a_licence_first_issued_on_29_february_ends_every_cycle_on_28_february(today, cycle):
    assert scoring_cycle(date(2024, 2, 29), today) == cycle


# --- on the records --------------------------------------------------------------------------------


def the(session, record) -> Party:
    found = identity.party_by_id_number(session, record.get("id_number") or record["org_code"])
    assert found is not None
    return found


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=CHINA)


TODAY = date(2026, 11, 24)  # the clock fixture's day


def test_a_licence_reads_as_facts(session, clock):
    holder = person()
    store(
        session,
        holder,
        licence(
            holder,
            classes=["A2", "D"],
            status="HM",
            first_issued=date(2024, 2, 29),
            valid_until=date(2030, 2, 28),
            points=9,
            carried_points=3,
            review_due=date(2027, 3, 30),
            physical_due=date(2027, 3, 30),
            probation_until=date(2027, 2, 28),
            extension_until=date(2027, 1, 15),
        ),
        now=clock.now(),
    )

    view = queries.licence_status(session, clock, the(session, holder))

    assert view.classes == ("A2", "D")
    assert (view.status, view.status_zh, view.status_en) == (
        "HM",
        ("违法未处理", "逾期未换证"),
        ("violation not handled", "renewal overdue"),
    )
    assert view.status_words("en") == view.status_en
    assert (view.valid_until, view.long_term, view.expired) == (date(2030, 2, 28), False, False)
    assert (view.points, view.points_left, view.carried_points) == (9, 3, 3)
    assert (view.cycle_start, view.cycle_end) == (date(2026, 3, 1), date(2027, 2, 28))
    assert (view.review_due, view.physical_due, view.extension_until) == (
        date(2027, 3, 30),
        date(2027, 3, 30),
        date(2027, 1, 15),
    )
    # Probation with no classes named covers every class (docs/records.md).
    assert (view.probation_until, view.probation_classes, view.on_probation) == (date(2027, 2, 28), ("A2", "D"), True)


def test_a_long_term_licence_and_the_cycle_moving_on_its_anniversary(session, clock):
    holder = person()
    store(session, holder, licence(holder, first_issued=date(2000, 11, 25), valid_until=None), now=clock.now())
    party = the(session, holder)

    today = queries.licence_status(session, clock, party)
    assert (today.valid_until, today.long_term, today.expired) == (None, True, False)
    assert (today.cycle_start, today.cycle_end) == (date(2025, 11, 25), date(2026, 11, 24))
    assert (today.probation_until, today.probation_classes, today.on_probation) == (None, (), False)

    clock.advance(days=1)
    tomorrow = queries.licence_status(session, clock, party)
    assert (tomorrow.cycle_start, tomorrow.cycle_end) == (date(2026, 11, 25), date(2027, 11, 24))


def test_an_expired_licence_says_so(session, clock):
    holder = person()
    store(session, holder, licence(holder, valid_until=date(2026, 11, 23), status="M"), now=clock.now())
    view = queries.licence_status(session, clock, the(session, holder))
    assert (view.expired, view.status_zh) == (True, ("逾期未换证",))


def test_no_licence_on_record_is_none_not_an_error(session, clock):
    someone = person()
    store(session, someone, now=clock.now())
    assert queries.licence_status(session, clock, the(session, someone)) is None


def test_own_queries_need_a_registered_account(session, clock):
    unregistered = person(account="none")
    store(session, unregistered, licence(unregistered), vehicle(unregistered), now=clock.now())
    party = the(session, unregistered)
    for query in (queries.licence_status, queries.vehicles, queries.violations):
        with pytest.raises(NotPermitted) as refused:
            query(session, clock, party)
        assert refused.value.code == "register_first"


def test_an_organisation_has_no_licence_to_ask_about(session, clock):
    firm = organisation()
    store(session, firm, now=clock.now())
    with pytest.raises(NotPermitted) as refused:
        queries.licence_status(session, clock, the(session, firm))
    assert refused.value.code == "persons_only"


def test_a_persons_vehicles_with_their_state(session, clock):
    owner, neighbour = person(), person()
    car = vehicle(owner, status="AQ", inspection_valid_until=date(2026, 11, 23), scrap_deadline=date(2035, 5, 10))
    van = vehicle(owner, plate_type="52", plate="闽DD12345", vehicle_kind="K39", use="operating")
    theirs = vehicle(neighbour)
    store(
        session,
        owner,
        neighbour,
        car,
        van,
        theirs,
        violation(car),
        violation(car),
        violation(car, handled=True, decided_at=at(date(2026, 11, 1)), paid=False),
        violation(car, handled=True, decided_at=at(date(2026, 11, 1)), paid=True),
        violation(car, handled=True, decided_at=at(date(2026, 11, 1)), paid=False, revoked=True),
        violation(theirs),
        now=clock.now(),
    )

    views = queries.vehicles(session, clock, the(session, owner))

    assert [(v.plate, v.plate_type) for v in views] == [(car["plate"], "02"), ("闽DD12345", "52")]
    first, second = views
    # Upstream's "AQ": an overdue car is not also called normal.
    assert (first.status_zh, first.status_en) == (("逾期未检验",), ("inspection overdue",))
    assert (first.inspection_valid_until, first.inspection_overdue) == (date(2026, 11, 23), True)
    assert first.scrap_deadline == date(2035, 5, 10)
    assert (first.unhandled_count, first.unpaid_count) == (2, 1)
    assert (second.inspection_overdue, second.scrap_deadline, second.use, second.vehicle_kind) == (
        False,
        None,
        "operating",
        "K39",
    )
    assert (second.unhandled_count, second.unpaid_count) == (0, 0)


def test_an_organisation_sees_its_own_vehicles_only(session, clock):
    firm, other_firm, driver = organisation(), organisation(), person()
    truck = vehicle(firm, plate_type="01", vehicle_kind="H31", use="operating")
    store(session, firm, other_firm, driver, truck, vehicle(other_firm), vehicle(driver), violation(truck))
    views = queries.vehicles(session, clock, the(session, firm))
    assert [(v.plate, v.unhandled_count) for v in views] == [(truck["plate"], 1)]
    fines = queries.violations(session, clock, the(session, firm))
    assert [f.plate for f in fines] == [truck["plate"]]


def test_violations_unhandled_first_then_newest_first_with_what_is_owed_today(session, clock):
    owner = person()
    car = vehicle(owner, plate="闽D54321")
    served_20_days_ago = at(date(2026, 11, 4))  # day 20: 5 days late, 15 %
    old_unhandled = violation(car, ref="U-OLD", occurred_at=at(date(2026, 9, 1)))
    new_unhandled = violation(car, ref="U-NEW", occurred_at=at(date(2026, 11, 18)))
    late = violation(
        car,
        ref="H-LATE",
        occurred_at=at(date(2026, 10, 20)),
        handled=True,
        decided_at=served_20_days_ago,
        paid=False,
        driver_id_number=owner["id_number"],
    )
    paid = violation(
        car, ref="H-PAID", occurred_at=at(date(2026, 11, 2)), handled=True, decided_at=served_20_days_ago, paid=True
    )
    revoked = violation(
        car,
        ref="H-REVOKED",
        occurred_at=at(date(2026, 8, 1)),
        handled=True,
        decided_at=at(date(2026, 8, 5)),
        paid=False,
        revoked=True,
    )
    store(session, owner, car, old_unhandled, new_unhandled, late, paid, revoked, now=clock.now())

    fines = queries.violations(session, clock, the(session, owner))

    assert [f.ref for f in fines] == ["U-NEW", "U-OLD", "H-PAID", "H-LATE", "H-REVOKED"]
    by_ref = {f.ref: f for f in fines}
    assert (by_ref["H-LATE"].fine_fen, by_ref["H-LATE"].late_fee_fen, by_ref["H-LATE"].total_due_fen) == (
        20000,
        3000,
        23000,
    )
    assert by_ref["H-LATE"].pay_by == date(2026, 11, 19)
    assert (by_ref["H-PAID"].late_fee_fen, by_ref["H-PAID"].total_due_fen) == (0, 0)
    assert (by_ref["H-REVOKED"].late_fee_fen, by_ref["H-REVOKED"].total_due_fen, by_ref["H-REVOKED"].revoked) == (
        0,
        0,
        True,
    )
    unhandled = by_ref["U-NEW"]
    assert (unhandled.handled, unhandled.decided_at, unhandled.pay_by, unhandled.late_fee_fen) == (False, None, None, 0)
    assert (unhandled.total_due_fen, unhandled.points, unhandled.code, unhandled.plate) == (
        20000,
        6,
        "1625",
        "闽D54321",
    )
    assert unhandled.occurred_at == at(date(2026, 11, 18))

    # The same violation a day later owes another 3 %.
    clock.advance(days=1)
    a_day_later = {f.ref: f for f in queries.violations(session, clock, the(session, owner), plate="闽D54321")}
    assert a_day_later["H-LATE"].late_fee_fen == 3600


def test_violations_of_one_plate_and_never_someone_elses(session, clock):
    owner, neighbour = person(), person()
    car, bike, theirs = (
        vehicle(owner, plate="闽D11111"),
        vehicle(owner, plate="闽D22222"),
        vehicle(neighbour, plate="闽D33333"),
    )
    store(
        session,
        owner,
        neighbour,
        car,
        bike,
        theirs,
        violation(car),
        violation(bike),
        violation(theirs),
        now=clock.now(),
    )
    party = the(session, owner)

    assert [f.plate for f in queries.violations(session, clock, party, plate="闽d·11111")] == ["闽D11111"]
    assert [f.plate for f in queries.violations(session, clock, party, plate="闽D•11111")] == ["闽D11111"]
    assert [f.plate for f in queries.violations(session, clock, party, plate="闽D・11111")] == ["闽D11111"]
    assert queries.violations(session, clock, party, plate="闽D33333") == []
    assert len(queries.violations(session, clock, party)) == 2


def test_a_driver_sees_the_violation_whose_points_went_to_them_on_someone_elses_car(session, clock):
    owner, driver = person(), person()
    car = vehicle(owner)
    theirs = violation(
        car,
        ref="DRIVEN",
        handled=True,
        decided_at=at(date(2026, 11, 20)),
        paid=False,
        driver_id_number=driver["id_number"],
    )
    store(session, owner, driver, car, theirs, violation(car, ref="NOT-THEIRS"), now=clock.now())

    assert [f.ref for f in queries.violations(session, clock, the(session, driver))] == ["DRIVEN"]
    assert queries.vehicles(session, clock, the(session, driver)) == []
    assert sorted(f.ref for f in queries.violations(session, clock, the(session, owner))) == ["DRIVEN", "NOT-THEIRS"]


def test_a_party_no_longer_on_record_sees_nobodys_violations(session, clock):
    # A party held in a call's state while its person record went away must not match every violation
    # whose driver is unknown (driver_id_number IS NULL).
    owner = person()
    car = vehicle(owner)
    store(session, owner, car, violation(car), violation(car), now=clock.now())
    gone = Party("person", 10**9, "林*明", "+8613800138000", "internet", "zh-CN", False, "123X")

    assert queries.violations(session, clock, gone) == []


# --- how the queries read the violations table ------------------------------------------------------


def _violation_reads(session, run) -> list[str]:
    """The ways the statements sent by `run()` read the violation table that walk it whole.

    Each statement is explained with the planner told to use an index wherever the query allows one, so
    what remains is a whole-table read the query's form forces (a GROUP BY over every vehicle's
    violations, a condition spanning two tables), which grows with everyone's violations, not the caller's.
    """
    engine = session.get_bind()
    statements = [(statement, parameters) for statement, parameters in sent(session, run)
                  if "violation" in statement and not statement.startswith("EXPLAIN")]
    assert statements
    connection = session.connection()
    walks = []
    if engine.dialect.name == "sqlite":
        for statement, parameters in statements:
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters):
                if row[-1].startswith("SCAN violation"):
                    walks.append(row[-1])
        return walks
    for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
        connection.exec_driver_sql(f"SET LOCAL {setting} = off")
    for statement, parameters in statements:
        plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
        nodes = [plan[0]["Plan"]]
        while nodes:
            node = nodes.pop()
            nodes.extend(node.get("Plans", []))
            if node.get("Relation Name") != "violation":
                continue
            if node["Node Type"] == "Bitmap Heap Scan" or "Index Cond" in node:
                continue
            walks.append(f"{node['Node Type']} on violation")
    return walks


def test_a_callers_vehicles_and_violations_are_found_through_indexes(session, clock):
    owner, firm = person(), organisation()
    car, truck = vehicle(owner), vehicle(firm, plate_type="01")
    store(session, owner, firm, car, truck, violation(car), violation(truck), now=clock.now())
    mine, its = the(session, owner), the(session, firm)

    assert _violation_reads(session, lambda: queries.vehicles(session, clock, mine)) == []
    assert _violation_reads(session, lambda: queries.vehicles(session, clock, its)) == []
    assert _violation_reads(session, lambda: queries.violations(session, clock, its)) == []
    # A person's: the own vehicles' and those driven on anyone's, with the ID number read in the same query.
    assert _violation_reads(session, lambda: queries.violations(session, clock, mine)) == []
    assert _violation_reads(session, lambda: queries.violations(session, clock, mine, plate=car["plate"])) == []


def test_payment_period_ending_on_national_day_rolls_to_the_first_working_day_case_procedure_art35_via_art80():
    # Served Wednesday 16 September 2026: day 15 is 1 October, inside the National Day holiday (1-7 Oct),
    # so the period ends on Thursday 8 October and the fee runs only from Friday 9 October.
    served = datetime(2026, 9, 16, 10, 0, tzinfo=CHINA)
    assert pay_by(served, official()) == date(2026, 10, 8)
    assert late_fee_fen(20000, served, date(2026, 10, 8), official()) == 0
    assert late_fee_fen(20000, served, date(2026, 10, 9), official()) == 600  # one day: 3 %


def test_payment_period_ending_on_a_sunday_rolls_to_monday_case_procedure_art35_via_art80():
    served = datetime(2026, 11, 7, 10, 0, tzinfo=CHINA)  # day 15 is Sunday 22 November
    assert pay_by(served, official()) == date(2026, 11, 23)
    assert late_fee_fen(20000, served, date(2026, 11, 23), official()) == 0
    assert late_fee_fen(20000, served, date(2026, 11, 24), official()) == 600
