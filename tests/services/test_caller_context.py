"""The caller's context for the staff desk: what the hotline would tell them, and nothing for a person who
has not registered (account level none), as the voice and text answers do."""

from __future__ import annotations

from hotline.services.caller_context import caller_context
from hotline.services.identity import party_by_id_number
from tests.factories import licence, organisation, person, store, vehicle, violation


def test_a_registered_person_has_licence_vehicles_and_violations_without_their_id_number(rt, session):
    p = person(account="internet", name="林小明")
    car = vehicle(p)
    store(session, p, licence(p), car, violation(car, fine_cny=200))
    party = party_by_id_number(session, p["id_number"])
    context = caller_context(session, rt.clock, party, rt.calendar)
    assert context.registered and context.party.name_masked == "林*明"
    assert context.licence is not None and context.licence.classes == ("C1",)
    assert [v.plate for v in context.vehicles] == [car["plate"]]
    assert len(context.violations) == 1 and context.violations[0].fine_fen == 20000
    assert p["id_number"] not in repr(context)


def test_a_person_at_account_level_none_shows_no_records(rt, session):
    p = person(account="none")
    car = vehicle(p)
    store(session, p, licence(p), car)
    context = caller_context(session, rt.clock, party_by_id_number(session, p["id_number"]), rt.calendar)
    assert not context.registered
    assert (context.licence, context.vehicles, context.violations) == (None, [], [])


def test_an_organisation_has_its_vehicles_and_no_licence(rt, session):
    org = organisation()
    car = vehicle(org)
    store(session, org, car)
    context = caller_context(session, rt.clock, party_by_id_number(session, org["org_code"]), rt.calendar)
    assert context.registered and context.licence is None and context.exam_applications == []
    assert [v.plate for v in context.vehicles] == [car["plate"]]
