"""Who is calling: identification by number, PIN and one-time code checks, and the 15-minute lock."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hotline.db import PhonePreference, VerificationAttempt, VerificationCode
from hotline.services import identity
from hotline.services.errors import Refusal
from tests.factories import organisation, person, store, valid_id_number, valid_org_code, valid_phone
from tests.sql_log import statements

FAMILY_PHONE = "+8613900139000"
STRANGER = "+8613700137000"  # a calling number that is nobody's on record


def id_ending_in(ending: str, birth: date) -> str:
    """A valid ID number whose check character gives the wanted last character."""
    for seq in range(1000):
        candidate = valid_id_number(birth=birth, seq=seq)
        if candidate.endswith(ending):
            return candidate
    raise AssertionError(f"no ID ending in {ending}")


def ids_sharing_last4() -> tuple[str, str]:
    """Two valid ID numbers, different people, the same last 4 characters."""
    first = valid_id_number(birth=date(1980, 1, 1), seq=123)
    for days in range(1, 400):
        other = valid_id_number(birth=date(1980, 1, 1) + timedelta(days=days), seq=123)
        if other[-4:] == first[-4:]:
            return first, other
    raise AssertionError("no pair found")


def the(session, record) -> identity.Party:
    key = record.get("id_number") or record["org_code"]
    found = identity.party_by_id_number(session, key)
    assert found is not None
    return found


def attempts(session, outcome=None):
    query = select(VerificationAttempt).order_by(VerificationAttempt.id)
    if outcome is not None:
        query = query.where(VerificationAttempt.outcome == outcome)
    return list(session.scalars(query))


# --- identification --------------------------------------------------------------------------------


def test_a_family_phone_finds_everyone_on_it_and_the_last_4_pick_one(session, clock):
    father = person(id_number=id_ending_in("X", date(1975, 4, 2)), name="林大伟", phone=FAMILY_PHONE)
    daughter = person(name="林婷", phone=FAMILY_PHONE, account="none", language="en")
    firm = organisation(name="厦门鹭通运输有限公司", phone=FAMILY_PHONE)
    elsewhere = person(phone=valid_phone())
    store(session, father, daughter, firm, elsewhere, now=clock.now())

    parties = identity.identify(session, FAMILY_PHONE)

    assert [(p.kind, p.name_masked, p.account, p.language) for p in parties] == [
        ("person", "林*伟", "internet", "zh-CN"),
        ("person", "林*", "none", "en"),
        ("organisation", "厦********司", "window", "zh-CN"),
    ]
    assert all(p.phone == FAMILY_PHONE for p in parties)
    assert identity.choose_by_last4(parties, father["id_number"][-4:].lower()).name_masked == "林*伟"
    assert identity.choose_by_last4(parties, daughter["id_number"][-4:]).name_masked == "林*"
    assert identity.choose_by_last4(parties, firm["org_code"][-4:]).kind == "organisation"
    assert identity.choose_by_last4(parties, elsewhere["id_number"][-4:]) is None
    assert identity.choose_by_last4(parties, "12") is None


def test_a_number_nobody_has_finds_nobody(session, clock):
    store(session, person(), now=clock.now())
    assert identity.identify(session, STRANGER) == []


def test_persons_and_organisations_on_a_number_are_found_in_one_query(session, clock):
    people = [person(phone=FAMILY_PHONE, pin="135790"), person(phone=FAMILY_PHONE, account="none", language="en")]
    firms = [organisation(phone=FAMILY_PHONE), organisation(phone=FAMILY_PHONE, pin="246801")]
    # Firms stored first and interleaved: the order is persons, then organisations, each by record id.
    store(session, firms[1], people[1], firms[0], people[0], person(), now=clock.now())
    by_id = sorted((the(session, p) for p in people), key=lambda p: p.id)
    by_code = sorted((the(session, f) for f in firms), key=lambda p: p.id)
    session.commit()

    found: list = []
    assert len(statements(session, lambda: found.extend(identity.identify(session, FAMILY_PHONE)))) == 1
    assert found == by_id + by_code  # the same parties as the ID number and the credit code find


def test_a_texting_number_is_found_with_its_own_reply_language_in_one_query(session, clock):
    chose_english, nobodys = "+8613600136000", "+8613500135000"
    store(session, person(phone=FAMILY_PHONE, language="zh-CN"), organisation(phone=FAMILY_PHONE), now=clock.now())
    for phone, language in ((FAMILY_PHONE, "en"), (chose_english, "en"), (STRANGER, None)):
        session.add(PhonePreference(phone=phone, opted_out=language is None, provider_blocked=False,
                                    language=language, modified_at=clock.now()))
    session.commit()

    found: list = []
    assert len(statements(session, lambda: found.append(identity.identify_texter(session, FAMILY_PHONE)))) == 1
    assert found == [identity.Texter(parties=identity.identify(session, FAMILY_PHONE), language="en")]
    assert len(found[0].parties) == 2
    # Nobody on record: the number's own choice still counts; no choice (or no preference) is None.
    assert identity.identify_texter(session, chose_english) == identity.Texter(parties=[], language="en")
    assert identity.identify_texter(session, STRANGER) == identity.Texter(parties=[], language=None)
    assert identity.identify_texter(session, nobodys) == identity.Texter(parties=[], language=None)


def test_two_on_one_phone_with_the_same_last_4_are_never_guessed_between(session, clock):
    first, second = ids_sharing_last4()
    store(
        session,
        person(id_number=first, phone=FAMILY_PHONE),
        person(id_number=second, phone=FAMILY_PHONE),
        now=clock.now(),
    )
    parties = identity.identify(session, FAMILY_PHONE)
    assert len(parties) == 2
    assert identity.choose_by_last4(parties, first[-4:]) is None


def test_an_id_number_or_credit_code_finds_its_party(session, clock):
    someone = person(id_number=id_ending_in("X", date(1992, 8, 8)), pin="135790")
    firm = organisation()
    store(session, someone, firm, now=clock.now())

    found = identity.party_by_id_number(session, someone["id_number"].lower())
    assert (found.kind, found.phone, found.has_pin, found.id_last4) == (
        "person",
        someone["phone"],
        True,
        someone["id_number"][-4:],
    )
    assert identity.party_by_id_number(session, firm["org_code"]).kind == "organisation"
    assert identity.party_by_id_number(session, valid_id_number()) is None
    assert identity.party_by_id_number(session, valid_org_code()) is None
    assert identity.party_by_id_number(session, "") is None


def test_the_reply_language_is_kept(session, clock):
    someone = person()
    store(session, someone, now=clock.now())
    party = the(session, someone)

    updated = identity.set_language(session, party, "en")
    session.commit()

    assert updated.language == "en"
    assert identity.identify(session, someone["phone"])[0].language == "en"
    with pytest.raises(Refusal) as refused:
        identity.set_language(session, party, "fr")
    assert refused.value.code == "unknown_language"


# --- PIN -------------------------------------------------------------------------------------------


def test_the_right_pin_verifies_and_a_wrong_one_costs_an_attempt(session, clock, settings):
    someone = person(pin="246810")
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)
    party = the(session, someone)

    wrong = identity.verify_pin(session, clock, settings, party, "246811", someone["phone"])
    assert (wrong.ok, wrong.locked_until, wrong.attempts_left) == (False, None, 4)

    right = identity.verify_pin(session, clock, settings, party, "246810", someone["phone"])
    assert (right.ok, right.locked_until, right.attempts_left) == (True, None, 5)
    assert [a.outcome for a in attempts(session)] == ["failure", "success"]
    assert all(a.method == "pin" and a.party_id == party.id for a in attempts(session))


def test_an_organisation_verifies_with_its_own_pin(session, clock, settings):
    firm = organisation(pin="112233")
    store(session, firm, now=clock.now(), pepper=settings.pin_pepper)
    party = the(session, firm)
    assert identity.verify_pin(session, clock, settings, party, "112233", firm["phone"]).ok
    assert not identity.verify_pin(session, clock, settings, party, "332211", firm["phone"]).ok


def test_a_person_without_a_pin_cannot_pass_a_pin_check(session, clock, settings):
    someone = person()
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)
    party = the(session, someone)
    assert not party.has_pin
    result = identity.verify_pin(session, clock, settings, party, "000000", someone["phone"])
    assert (result.ok, result.attempts_left) == (False, 4)


def test_five_failures_lock_the_person_and_the_calling_number_for_15_minutes(session, clock, settings):
    victim = person(pin="246810")
    bystander = person(pin="975310")
    store(session, victim, bystander, now=clock.now(), pepper=settings.pin_pepper)
    target, other = the(session, victim), the(session, bystander)
    start = clock.now()

    results = []
    for guess in ("000001", "000002", "000003", "000004", "000005"):
        results.append(identity.verify_pin(session, clock, settings, target, guess, STRANGER))
        clock.advance(minutes=1)
    assert [r.attempts_left for r in results] == [4, 3, 2, 1, 0]
    assert [r.locked_until for r in results[:4]] == [None] * 4
    locked_until = start + timedelta(minutes=4 + 15)  # 15 minutes from the fifth failure
    assert results[4].locked_until == locked_until

    # The person is locked whatever number calls, even with the right PIN ...
    from_own_phone = identity.verify_pin(session, clock, settings, target, "246810", victim["phone"])
    assert (from_own_phone.ok, from_own_phone.locked_until) == (False, locked_until)
    # ... and the number is locked whoever it asks about.
    for_someone_else = identity.verify_pin(session, clock, settings, other, "975310", STRANGER)
    assert (for_someone_else.ok, for_someone_else.locked_until) == (False, locked_until)
    assert identity.lock_state(session, clock, None, STRANGER) == locked_until
    assert identity.lock_state(session, clock, target, victim["phone"]) == locked_until
    assert identity.lock_state(session, clock, other, bystander["phone"]) is None
    # Refused checks were recorded as locked, not as failures or successes.
    assert [a.outcome for a in attempts(session)][-2:] == ["locked", "locked"]

    clock.set(locked_until - timedelta(seconds=1))
    assert not identity.verify_pin(session, clock, settings, target, "246810", victim["phone"]).ok
    clock.set(locked_until)
    assert identity.lock_state(session, clock, target, STRANGER) is None
    after = identity.verify_pin(session, clock, settings, target, "246810", victim["phone"])
    assert (after.ok, after.attempts_left) == (True, 5)
    assert identity.verify_pin(session, clock, settings, other, "975310", STRANGER).ok


def test_a_locked_check_does_not_look_at_the_pin(session, clock, settings):
    someone = person(pin="246810")
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)
    party = the(session, someone)
    for _ in range(5):
        identity.verify_pin(session, clock, settings, party, "999999", STRANGER)
    failures_before = len(attempts(session, "failure"))

    # A wrong PIN while locked is not another failure: it cannot extend the lock or be learned from.
    wrong = identity.verify_pin(session, clock, settings, party, "111111", someone["phone"])
    right = identity.verify_pin(session, clock, settings, party, "246810", someone["phone"])

    assert wrong == right
    assert len(attempts(session, "failure")) == failures_before
    assert len(attempts(session, "locked")) == 2


def test_failures_count_only_within_15_minutes_and_since_the_last_success(session, clock, settings):
    someone = person(pin="246810")
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)
    party = the(session, someone)
    phone = someone["phone"]

    for _ in range(4):
        identity.verify_pin(session, clock, settings, party, "000000", phone)
    assert identity.verify_pin(session, clock, settings, party, "246810", phone).ok
    for _ in range(4):
        result = identity.verify_pin(session, clock, settings, party, "000000", phone)
    assert (result.locked_until, result.attempts_left) == (None, 1)

    clock.advance(minutes=15)
    result = identity.verify_pin(session, clock, settings, party, "000000", phone)
    assert (result.locked_until, result.attempts_left) == (None, 4)


# --- one-time codes --------------------------------------------------------------------------------


def test_a_code_goes_to_the_number_on_record_and_works_once(session, clock, settings):
    someone = person()
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)
    party = the(session, someone)

    issued = identity.issue_code(session, clock, settings, party)

    assert issued.phone == someone["phone"]
    assert len(issued.code) == 6 and issued.code.isdigit()
    assert issued.expires_at == clock.now() + timedelta(minutes=10)
    stored = session.scalars(select(VerificationCode)).one()
    assert issued.code not in stored.code_hash
    first = identity.verify_code(session, clock, settings, party, issued.code, STRANGER)
    again = identity.verify_code(session, clock, settings, party, issued.code, STRANGER)
    assert (first.ok, again.ok) == (True, False)
    assert [a.method for a in attempts(session)] == ["otp", "otp"]


def test_a_code_expires_after_10_minutes(session, clock, settings):
    someone = person()
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)
    party = the(session, someone)
    issued = identity.issue_code(session, clock, settings, party)

    clock.advance(minutes=10)
    assert not identity.verify_code(session, clock, settings, party, issued.code, someone["phone"]).ok


def test_a_code_still_works_just_before_it_expires(session, clock, settings):
    someone = person()
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)
    party = the(session, someone)
    issued = identity.issue_code(session, clock, settings, party)

    clock.advance(minutes=9, seconds=59)
    assert identity.verify_code(session, clock, settings, party, issued.code, someone["phone"]).ok


def test_only_the_newest_code_counts(session, clock, settings):
    someone = person()
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)
    party = the(session, someone)
    older = identity.issue_code(session, clock, settings, party)
    clock.advance(minutes=1)
    newer = identity.issue_code(session, clock, settings, party)

    if older.code != newer.code:  # one chance in a million that both are the same
        assert not identity.verify_code(session, clock, settings, party, older.code, someone["phone"]).ok
    assert identity.verify_code(session, clock, settings, party, newer.code, someone["phone"]).ok


def test_a_code_is_for_its_own_party_only(session, clock, settings):
    one, two = person(phone=FAMILY_PHONE), person(phone=FAMILY_PHONE)
    store(session, one, two, now=clock.now(), pepper=settings.pin_pepper)
    issued = identity.issue_code(session, clock, settings, the(session, one))
    assert not identity.verify_code(session, clock, settings, the(session, two), issued.code, FAMILY_PHONE).ok


def test_at_most_5_codes_an_hour(session, clock, settings):
    someone = person()
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)
    party = the(session, someone)
    start = clock.now()
    for _ in range(5):
        identity.issue_code(session, clock, settings, party)
        clock.advance(minutes=5)

    with pytest.raises(Refusal) as refused:
        identity.issue_code(session, clock, settings, party)
    assert refused.value.code == "too_many_codes"
    assert refused.value.facts["retry_at"] == start + timedelta(hours=1)

    clock.set(start + timedelta(hours=1))
    identity.issue_code(session, clock, settings, party)


def test_no_code_is_sent_while_the_party_is_locked(session, clock, settings):
    someone = person(pin="246810")
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)
    party = the(session, someone)
    for _ in range(5):
        identity.verify_pin(session, clock, settings, party, "000000", STRANGER)

    with pytest.raises(Refusal) as refused:
        identity.issue_code(session, clock, settings, party)
    assert refused.value.code == "verification_locked"
    assert refused.value.facts["locked_until"] == clock.now() + timedelta(minutes=15)


# --- an entered ID number --------------------------------------------------------------------------


def test_an_entered_id_on_record_gets_a_code_sent_to_the_number_on_record(session, clock, settings):
    someone = person()
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)

    party, issued = identity.start_with_id_number(session, clock, settings, someone["id_number"], STRANGER)

    assert party == the(session, someone)
    assert issued.phone == someone["phone"] != STRANGER
    assert identity.verify_code(session, clock, settings, party, issued.code, STRANGER).ok


def test_an_unknown_id_gets_no_code_and_its_checks_count_against_the_calling_number(session, clock, settings):
    someone = person(pin="246810", phone=STRANGER)
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)

    assert identity.start_with_id_number(session, clock, settings, valid_id_number(), STRANGER) == (None, None)
    assert session.scalars(select(VerificationCode)).all() == []

    results = [identity.verify_code(session, clock, settings, None, f"{n:06d}", STRANGER) for n in range(5)]

    assert [r.ok for r in results] == [False] * 5
    assert [r.attempts_left for r in results] == [4, 3, 2, 1, 0]
    locked_until = clock.now() + timedelta(minutes=15)
    assert results[-1].locked_until == locked_until
    assert all(a.party_id is None and a.calling_number == STRANGER for a in attempts(session))
    # The number is locked even for the person whose own phone it is.
    own = identity.verify_pin(session, clock, settings, the(session, someone), "246810", STRANGER)
    assert (own.ok, own.locked_until) == (False, locked_until)


def test_an_entered_id_when_no_code_can_be_sent_gives_the_same_shape_of_answer(session, clock, settings):
    someone = person()
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)
    party = the(session, someone)
    for _ in range(5):
        identity.issue_code(session, clock, settings, party)

    assert identity.start_with_id_number(session, clock, settings, someone["id_number"], STRANGER) == (party, None)


def test_a_locked_number_cannot_make_the_hotline_text_codes(session, clock, settings):
    someone = person()
    store(session, someone, now=clock.now(), pepper=settings.pin_pepper)
    for n in range(5):
        identity.verify_code(session, clock, settings, None, f"{n:06d}", STRANGER)

    party, issued = identity.start_with_id_number(session, clock, settings, someone["id_number"], STRANGER)

    assert (party, issued) == (the(session, someone), None)
    assert session.scalars(select(VerificationCode)).all() == []


def test_a_success_on_the_calling_number_does_not_wipe_failures_against_other_people(session, clock, settings):
    # One phone guessing several people's PINs: proving itself on its own account in between must not
    # earn the phone another four guesses. A success clears only the failures of the party who succeeded.
    own = person(pin="135790", phone=STRANGER)
    victims = [person(pin="246810") for _ in range(3)]
    store(session, own, *victims, now=clock.now(), pepper=settings.pin_pepper)
    mine = the(session, own)
    targets = [the(session, victim) for victim in victims]

    for guess in ("000000", "111111", "222222"):
        identity.verify_pin(session, clock, settings, targets[0], guess, STRANGER)
    assert identity.verify_pin(session, clock, settings, mine, "135790", STRANGER).ok
    identity.verify_pin(session, clock, settings, targets[1], "333333", STRANGER)
    fifth = identity.verify_pin(session, clock, settings, targets[2], "444444", STRANGER)

    assert (fifth.ok, fifth.attempts_left, fifth.locked_until) == (False, 0, clock.now() + timedelta(minutes=15))
    assert identity.lock_state(session, clock, None, STRANGER) == clock.now() + timedelta(minutes=15)


def test_on_a_family_phone_a_persons_own_success_still_clears_their_own_failures(session, clock, settings):
    father, mother = person(pin="135790", phone=FAMILY_PHONE), person(pin="246810", phone=FAMILY_PHONE)
    store(session, father, mother, now=clock.now(), pepper=settings.pin_pepper)
    dad, mum = the(session, father), the(session, mother)

    for _ in range(4):
        identity.verify_pin(session, clock, settings, dad, "000000", FAMILY_PHONE)
    assert identity.verify_pin(session, clock, settings, dad, "135790", FAMILY_PHONE).ok
    wrong = identity.verify_pin(session, clock, settings, mum, "000000", FAMILY_PHONE)

    assert (wrong.locked_until, wrong.attempts_left) == (None, 4)
    assert identity.verify_pin(session, clock, settings, mum, "246810", FAMILY_PHONE).ok


def test_one_calling_number_gets_codes_sent_for_at_most_5_entered_ids_an_hour(session, clock, settings):
    # Typing other people's ID numbers must not turn the hotline into a way to text strangers: each ID
    # entered counts on the calling number, whether it is on record or not, and the answer stays the same.
    people = [person() for _ in range(6)]
    store(session, *people, now=clock.now(), pepper=settings.pin_pepper)
    start = clock.now()

    assert identity.start_with_id_number(session, clock, settings, valid_id_number(), STRANGER) == (None, None)
    sent = [identity.start_with_id_number(session, clock, settings, p["id_number"], STRANGER) for p in people[:4]]
    assert all(issued is not None for _, issued in sent)
    clock.advance(minutes=30)
    party, issued = identity.start_with_id_number(session, clock, settings, people[4]["id_number"], STRANGER)

    assert (party, issued) == (the(session, people[4]), None)
    assert len(session.scalars(select(VerificationCode)).all()) == 4
    # Another number is not held back, and an hour after the first entry this one may try again.
    assert identity.start_with_id_number(session, clock, settings, people[5]["id_number"], FAMILY_PHONE)[1]
    clock.set(start + timedelta(hours=1))
    assert identity.start_with_id_number(session, clock, settings, people[4]["id_number"], STRANGER)[1]
