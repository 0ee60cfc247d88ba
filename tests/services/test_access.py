"""The account-level table of ARCHITECTURE.md, cell by cell."""

import pytest

from hotline.services.access import Action, allowed, query_action, require
from hotline.services.errors import NotPermitted
from hotline.services.identity import Party


def party(kind: str, account: str) -> Party:
    return Party(
        kind=kind,
        id=1,
        name_masked="林*明",
        phone="+8613800138000",
        account=account,
        language="zh-CN",
        has_pin=False,
        id_last4="123X",
    )


A = Action
# (kind, account) -> the actions allowed; every other action is refused.
TABLE = {
    ("person", "none"): {A.HELP, A.PUBLIC_INFO, A.RECEIVE_NOTICES},
    ("person", "internet"): {
        A.HELP,
        A.PUBLIC_INFO,
        A.RECEIVE_NOTICES,
        A.OWN_QUERIES,
        A.INSPECTION_BOOKING,
        A.EXAM_APPLICATION,
    },
    ("person", "window"): {
        A.HELP,
        A.PUBLIC_INFO,
        A.RECEIVE_NOTICES,
        A.OWN_QUERIES,
        A.INSPECTION_BOOKING,
        A.EXAM_APPLICATION,
    },
    ("organisation", "window"): {A.HELP, A.PUBLIC_INFO, A.RECEIVE_NOTICES, A.INSPECTION_BOOKING, A.ORG_VEHICLES},
}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize(("kind", "account"), list(TABLE))
def test_every_level_and_action(kind, account, action):
    caller = party(kind, account)
    expected = action in TABLE[(kind, account)]
    assert allowed(caller, action) is expected
    if expected:
        require(caller, action)
    else:
        with pytest.raises(NotPermitted):
            require(caller, action)


@pytest.mark.parametrize("action", [A.OWN_QUERIES, A.INSPECTION_BOOKING, A.EXAM_APPLICATION])
def test_an_unregistered_person_is_told_to_register(action):
    with pytest.raises(NotPermitted) as refused:
        require(party("person", "none"), action)
    assert refused.value.code == "register_first"
    assert refused.value.facts == {"action": str(action), "account": "none"}


@pytest.mark.parametrize("account", ["none", "internet", "window"])
def test_a_person_never_reads_an_organisations_vehicles(account):
    with pytest.raises(NotPermitted) as refused:
        require(party("person", account), A.ORG_VEHICLES)
    assert refused.value.code == "organisations_only"


@pytest.mark.parametrize("action", [A.OWN_QUERIES, A.EXAM_APPLICATION])
def test_an_organisation_is_refused_a_persons_service(action):
    with pytest.raises(NotPermitted) as refused:
        require(party("organisation", "window"), action)
    assert refused.value.code == "persons_only"


def test_an_account_level_we_do_not_know_counts_as_unregistered():
    caller = party("person", "vip")
    assert allowed(caller, A.HELP)
    assert not allowed(caller, A.OWN_QUERIES)


def test_reading_ones_own_records_needs_the_right_action_for_each_kind():
    assert query_action(party("person", "internet")) is A.OWN_QUERIES
    assert query_action(party("organisation", "window")) is A.ORG_VEHICLES
