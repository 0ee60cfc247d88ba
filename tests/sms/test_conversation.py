"""Conversation state in real Redis: 10 minutes by the injected clock, per party, and named failures."""

from __future__ import annotations

import json

import pytest
import redis
from pydantic import ValidationError

from hotline.sms.conversation import Conversation, PartyRef, StateUnavailable

ME = PartyRef("person", 1)
SISTER = PartyRef("person", 2)
BOOK = {"do": "book", "vehicle_id": 5, "slot_id": "S1"}


@pytest.fixture
def conversation(redis_conn, clock):
    return Conversation(redis_conn, clock, "+8613800138000", prefix="test")


def test_choices_last_ten_minutes(conversation, clock):
    conversation.remember_choices(ME, "plans:KM2", [{"plan_id": "A"}, {"plan_id": "B"}])
    clock.advance(minutes=10)
    assert conversation.choice(ME, "plans:KM2", 2) == ("ok", {"plan_id": "B"})
    clock.advance(seconds=1)
    assert conversation.choice(ME, "plans:KM2", 2) == ("expired", None)


def test_a_number_outside_the_list(conversation):
    conversation.remember_choices(ME, "slots", [{"slot_id": "S"}])
    assert conversation.choice(ME, "slots", 0) == ("no_such", None)
    assert conversation.choice(ME, "slots", 2) == ("no_such", None)


def test_choices_belong_to_the_party_that_saw_them(conversation):
    conversation.remember_choices(ME, "cancel", [{"kind": "exam", "id": 7}])
    assert conversation.choice(SISTER, "cancel", 1) == ("expired", None)
    assert conversation.choice(ME, "plans:KM3", 1) == ("expired", None)


def test_a_pending_action_is_taken_once(conversation):
    conversation.propose(ME, {"do": "apply", "plan_id": "A"})
    assert conversation.take_pending(ME) == {"do": "apply", "plan_id": "A"}
    assert conversation.take_pending(ME) is None


def test_a_pending_action_is_not_someone_elses(conversation):
    conversation.propose(ME, BOOK)
    assert conversation.take_pending(SISTER) is None


def test_a_newer_proposal_replaces_the_older(conversation):
    conversation.propose(ME, {"do": "apply", "plan_id": "A"})
    conversation.propose(ME, {"do": "apply", "plan_id": "B"})
    assert conversation.take_pending(ME) == {"do": "apply", "plan_id": "B"}


def test_a_pending_action_expires(conversation, clock):
    conversation.propose(ME, BOOK)
    clock.advance(minutes=10, seconds=1)
    assert conversation.take_pending(ME) is None


def test_the_chosen_party_and_the_held_text(conversation, clock):
    conversation.hold_text("JSZ")
    conversation.choose_party(SISTER)
    assert conversation.chosen_party() == SISTER
    assert conversation.take_held_text() == "JSZ"
    assert conversation.take_held_text() is None
    clock.advance(minutes=11)
    assert conversation.chosen_party() is None


def test_numbers_do_not_share_state(redis_conn, clock, conversation):
    conversation.propose(ME, BOOK)
    other = Conversation(redis_conn, clock, "+8613900000000", prefix="test")
    assert other.take_pending(ME) is None


def test_redis_down_is_a_named_failure(clock, redis_server):
    from tests.conftest import free_port

    gone = redis.Redis(port=free_port(), socket_connect_timeout=1)
    conversation = Conversation(gone, clock, "+8613800138000")
    with pytest.raises(StateUnavailable):
        conversation.propose(ME, BOOK)
    with pytest.raises(StateUnavailable):
        conversation.choice(ME, "slots", 1)


def test_a_pending_action_has_a_type_checked_when_it_is_proposed(conversation):
    with pytest.raises(ValidationError):
        conversation.propose(ME, {"do": "book", "vehicle_id": 5})  # which slot?
    with pytest.raises(ValidationError):
        conversation.propose(ME, {"do": "cancel", "kind": "licence", "id": 3})  # nothing cancels a licence
    conversation.propose(ME, {"do": "extend", "kind": "review", "reason": "abroad", "years": 2})
    assert conversation.take_pending(ME) == {"do": "extend", "kind": "review", "reason": "abroad", "years": 2}


def test_a_pending_action_written_before_a_deploy_is_read_and_one_that_no_longer_fits_is_none(
        conversation, redis_conn, clock):
    key = "test:sms:+8613800138000:pending"
    at = clock.now().isoformat()
    redis_conn.set(key, json.dumps({"party": ["person", 1], "action": {"do": "cancel", "kind": "exam", "id": 7},
                                    "at": at}))
    assert conversation.take_pending(ME) == {"do": "cancel", "kind": "exam", "id": 7}
    redis_conn.set(key, json.dumps({"party": ["person", 1], "action": {"do": "teleport"}, "at": at}))
    assert conversation.take_pending(ME) is None  # the sender is told nothing waits, and asks again
