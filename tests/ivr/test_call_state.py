"""The call state in Redis: what a webhook finds before it steps, in one round trip."""

from __future__ import annotations

from hotline.ivr import engine, state

SID = "CA" + "1" * 32


def at(node: str, step: int) -> dict:
    saved = engine.new_state("+8613800138000")
    saved.update(node=node, step=step)
    return saved


def test_the_first_copy_of_a_step_claims_it_and_reads_the_state(redis_conn):
    state.save(redis_conn, SID, 1, at("greeting", 2), "<Response>one</Response>", 60, prefix="hotline")
    start = state.begin(redis_conn, SID, 2, prefix="hotline")
    assert start == state.Start(answer=None, claimed=True, state=at("greeting", 2))


def test_a_new_call_claims_its_first_step_without_a_state(redis_conn):
    assert state.begin(redis_conn, SID, 0, prefix="hotline") == state.Start(answer=None, claimed=True, state=None)


def test_a_second_copy_while_the_first_is_answering_neither_runs_nor_has_an_answer(redis_conn):
    assert state.begin(redis_conn, SID, 3, prefix="hotline").claimed
    assert state.begin(redis_conn, SID, 3, prefix="hotline") == state.Start(answer=None, claimed=False, state=None)
    assert state.begin(redis_conn, SID, 4, prefix="hotline").claimed  # the next step is not locked by it


def test_an_answered_step_gives_its_answer_and_takes_no_lock(redis_conn):
    assert state.begin(redis_conn, SID, 2, prefix="hotline").claimed
    state.save(redis_conn, SID, 2, at("main_menu", 3), "<Response>二</Response>", 60, prefix="hotline")
    redis_conn.delete(f"hotline:ivr:call:{SID}:lock:2")  # long after: the lock has expired
    again = state.begin(redis_conn, SID, 2, prefix="hotline")
    assert again == state.Start(answer="<Response>二</Response>", claimed=False, state=None)
    assert not redis_conn.exists(f"hotline:ivr:call:{SID}:lock:2")
