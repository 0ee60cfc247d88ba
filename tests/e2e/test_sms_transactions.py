"""How a text uses the database: queries only read (on SQLite without taking the write lock), in as few
statements as the answer needs, and a write where none was expected is refused, never half done."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, update

from hotline.db import Person, PhonePreference
from hotline.sms import handler
from tests.factories import licence, organisation, person, store, valid_org_code, vehicle, violation
from tests.sms.helpers import read, text


@pytest.fixture
def driver(session):
    p = person(account="internet")
    car = vehicle(p, plate="闽D12345")
    store(session, p, licence(p, points=6), car, violation(car, fine_cny=200, points=6))
    return p


def test_a_query_is_answered_while_another_transaction_is_writing(client, settings, rt, driver):
    with rt.engine.connect() as writer:
        writer.begin()  # on SQLite BEGIN IMMEDIATE: holds the database's write lock until the end
        writer.execute(update(Person).where(Person.phone == driver["phone"]).values(name="林大明"))
        try:
            assert "闽D12345" in text(client, settings, driver["phone"], "WZ")
            assert "已记6分" in text(client, settings, driver["phone"], "JSZ")
        finally:
            writer.rollback()


def test_a_violations_text_reads_the_database_in_two_statements(app, client, settings, driver):
    statements = []
    engine = app.extensions["hotline"].engine

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    text(client, settings, driver["phone"], "WZ")  # the first text on a connection may set it up
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert "闽D12345" in text(client, settings, driver["phone"], "WZ")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # Who is texting (persons, organisations, the number's reply language), then the violations.
    assert len(statements) == 2, statements


def test_a_shared_number_with_a_person_and_a_firm_still_chooses_by_last_four(client, settings, session):
    phone = "+8613900002222"
    owner = person(phone=phone, account="internet")
    # A code whose last 4 can be texted (digits, or digits and X, as on an ID number).
    firm = organisation(phone=phone, org_code=next(code for code in (valid_org_code() for _ in range(100))
                                                   if code[-1].isdigit()))
    car, truck = vehicle(owner, plate="闽D11111"), vehicle(firm, plate="闽D22222", plate_type="01")
    store(session, owner, firm, car, truck, violation(car), violation(truck))

    assert "本号码登记了多人" in text(client, settings, phone, "WZ")
    firms = text(client, settings, phone, firm["org_code"][-4:])
    assert "闽D22222" in firms and "闽D11111" not in firms
    assert "闽D11111" in text(client, settings, phone, f"WZ {owner['id_number'][-4:]}")


def test_a_write_in_a_text_answered_read_only_is_refused_and_leaves_nothing(client, settings, session, driver,
                                                                           monkeypatch):
    # Were `writes` ever to call a changing text read-only, the change must fail loudly in one piece
    # (on SQLite it would otherwise try to upgrade a deferred transaction), not half happen.
    monkeypatch.setattr(handler, "writes", lambda command, opt_out_type: False)

    assert "系统繁忙" in text(client, settings, driver["phone"], "EN")

    assert read(session, select(PhonePreference)) == []
    assert [p.language for p in read(session, select(Person))] == ["zh-CN"]
    monkeypatch.undo()
    assert "English" in text(client, settings, driver["phone"], "EN")
