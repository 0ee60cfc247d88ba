"""Extension applications: window users only, each kind, reason and length, one open per kind, cancelling,
and the upstream's answer (a licence update through ingest) turning pending into granted."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from hotline.db import ChangeKind, ExtensionApplication, OutboundChange
from hotline.services import licence_extensions, queries
from hotline.services.errors import NotPermitted, Refusal
from hotline.services.identity import party_by_id_number
from tests.factories import licence, organisation, person, store


def driver(session, *, account="window", with_licence=True):
    p = person(account=account)
    records = [p, licence(p)] if with_licence else [p]
    store(session, *records)
    return p, party_by_id_number(session, p["id_number"])


def apply(rt, session, party, kind="renewal", reason="abroad", years=2, acknowledged=True, channel="sms"):
    return licence_extensions.apply(session, rt.clock, party, kind=kind, reason=reason, years=years,
                            acknowledged=acknowledged, channel=channel)


def refused(call, *args, **kwargs) -> Refusal:
    with pytest.raises(Refusal) as caught:
        call(*args, **kwargs)
    return caught.value


def feed(session) -> list[tuple[str, dict]]:
    return [(c.kind, c.payload) for c in session.scalars(select(OutboundChange).order_by(OutboundChange.id))]


@pytest.mark.parametrize("account", ["internet", "none"])
def test_only_window_users_may_apply(rt, session, account):
    _, party = driver(session, account=account)
    refusal = refused(apply, rt, session, party)
    assert isinstance(refusal, NotPermitted)
    assert (refusal.code, refusal.facts["account"]) == ("window_account_only", account)
    assert session.scalars(select(ExtensionApplication)).all() == []
    assert feed(session) == []


def test_an_organisation_may_not_apply(rt, session):
    org = organisation()
    store(session, org)
    party = party_by_id_number(session, org["org_code"])
    assert refused(apply, rt, session, party).code == "persons_only"


def test_a_window_user_without_a_licence_is_told_so(rt, session):
    _, party = driver(session, with_licence=False)
    assert refused(apply, rt, session, party).code == "no_licence"


@pytest.mark.parametrize("kind,letter", [("renewal", "N"), ("review", "T"), ("physical", "P")])
@pytest.mark.parametrize("reason", ["military", "abroad", "other"])
def test_each_kind_and_reason_goes_to_the_feed_as_pending(rt, session, kind, letter, reason):
    p, party = driver(session)
    view = apply(rt, session, party, kind=kind, reason=reason, years=1)
    assert (view.kind, view.reason, view.years, view.status, view.status_letter) == (kind, reason, 1, "pending", letter)
    [(change_kind, payload)] = feed(session)
    assert change_kind == ChangeKind.EXTENSION_APPLICATION
    assert payload["id_number"] == p["id_number"]
    assert (payload["kind"], payload["status_letter"], payload["reason"], payload["years"], payload["status"]) == (
        kind, letter, reason, 1, "pending")


@pytest.mark.parametrize("years", [1, 2, 3])
def test_one_to_three_years(rt, session, years):
    _, party = driver(session)
    assert apply(rt, session, party, years=years).years == years


@pytest.mark.parametrize("years", [0, 4, -1, "2", True])
def test_other_lengths_are_refused(rt, session, years):
    _, party = driver(session)
    assert refused(apply, rt, session, party, years=years).code == "bad_years"


def test_unknown_kind_and_reason_are_refused(rt, session):
    _, party = driver(session)
    assert refused(apply, rt, session, party, kind="age").code == "bad_kind"
    assert refused(apply, rt, session, party, reason="holiday").code == "bad_reason"


def test_the_driving_ban_must_be_acknowledged(rt, session):
    _, party = driver(session)
    assert refused(apply, rt, session, party, acknowledged=False).code == "not_acknowledged"
    assert feed(session) == []


def test_one_open_application_per_kind(rt, session):
    _, party = driver(session)
    first = apply(rt, session, party, kind="review")
    refusal = refused(apply, rt, session, party, kind="review", reason="other")
    assert (refusal.code, refusal.facts["application_id"]) == ("extension_open", first.id)
    assert apply(rt, session, party, kind="renewal").status == "pending"  # another kind is fine
    assert len(licence_extensions.pending(session, party)) == 2


def test_cancel_while_pending_then_apply_again(rt, session):
    p, party = driver(session)
    view = apply(rt, session, party)
    cancelled = licence_extensions.cancel(session, rt.clock, party, view.id, "voice")
    assert cancelled.status == "cancelled"
    assert refused(licence_extensions.cancel, session, rt.clock, party, view.id, "voice").code == "not_cancellable"
    kinds = [(kind, payload["status"], payload.get("channel")) for kind, payload in feed(session)]
    assert kinds == [(ChangeKind.EXTENSION_APPLICATION, "pending", "sms"),
                     (ChangeKind.EXTENSION_CANCELLATION, "cancelled", "voice")]
    assert apply(rt, session, party).status == "pending"


def test_someone_elses_application_cannot_be_cancelled(rt, session):
    _, party = driver(session)
    _, other = driver(session)
    view = apply(rt, session, party)
    assert refused(licence_extensions.cancel, session, rt.clock, other, view.id, "sms").code == "no_such_extension"


@pytest.mark.parametrize("kind,letter", [("renewal", "N"), ("review", "T"), ("physical", "P")])
def test_pending_becomes_granted_when_the_upstream_updates_the_licence(rt, session, kind, letter):
    p, party = driver(session)
    view = apply(rt, session, party, kind=kind, years=2)
    session.commit()
    # An unrelated licence update grants nothing.
    store(session, licence(p, points=3))
    assert licence_extensions.pending(session, party)[0].id == view.id

    store(session, licence(p, status=f"A{letter}", extension_until=date(2028, 11, 24)))
    [granted] = licence_extensions.applications(session, party)
    assert (granted.id, granted.status, granted.extension_until) == (view.id, "granted", date(2028, 11, 24))
    shown = queries.licence_status(session, rt.clock, party)
    assert shown.extension_until == date(2028, 11, 24)
    assert any("延期" in word for word in shown.status_zh)


def test_a_grant_of_one_kind_leaves_the_other_pending(rt, session):
    p, party = driver(session)
    apply(rt, session, party, kind="renewal")
    apply(rt, session, party, kind="physical")
    session.commit()
    store(session, licence(p, status="P", extension_until=date(2027, 11, 24)))
    statuses = {view.kind: view.status for view in licence_extensions.applications(session, party)}
    assert statuses == {"renewal": "pending", "physical": "granted"}


def test_a_status_without_an_extension_date_grants_nothing(rt, session):
    p, party = driver(session)
    apply(rt, session, party, kind="renewal")
    session.commit()
    store(session, licence(p, status="N"))
    assert [v.status for v in licence_extensions.applications(session, party)] == ["pending"]
