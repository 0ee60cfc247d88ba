"""Conversation state in real Redis: 10 minutes by the injected clock, per party, and named failures."""

from __future__ import annotations

import pytest
import redis

from hotline.sms.conversation import Conversation, PartyRef, StateUnavailable

ME = PartyRef("person", 1)
SISTER = PartyRef("person", 2)


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
    conversation.propose(ME, {"do": "book"})
    assert conversation.take_pending(SISTER) is None


def test_a_newer_proposal_replaces_the_older(conversation):
    conversation.propose(ME, {"do": "apply", "plan_id": "A"})
    conversation.propose(ME, {"do": "apply", "plan_id": "B"})
    assert conversation.take_pending(ME) == {"do": "apply", "plan_id": "B"}


def test_a_pending_action_expires(conversation, clock):
    conversation.propose(ME, {"do": "book"})
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
    conversation.propose(ME, {"do": "book"})
    other = Conversation(redis_conn, clock, "+8613900000000", prefix="test")
    assert other.take_pending(ME) is None


def test_redis_down_is_a_named_failure(clock, redis_server):
    from tests.conftest import free_port

    gone = redis.Redis(port=free_port(), socket_connect_timeout=1)
    conversation = Conversation(gone, clock, "+8613800138000")
    with pytest.raises(StateUnavailable):
        conversation.propose(ME, {"do": "book"})
    with pytest.raises(StateUnavailable):
        conversation.choice(ME, "slots", 1)
