"""monitor.store: upsert by natural key, noop by content hash, events, source state, validators.

Every test runs on SQLite and (with $BILLWATCH_TEST_PG_URL) PostgreSQL through the ``database``
fixture of conftest.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from monitor import store as store_module
from monitor.errors import StorageError
from monitor.models import Bill, BillAction, BillSponsor, Event, HttpValidator, ScanRun
from monitor.store import Store, UpsertOutcome
from sources.base import Action, BillRecord, Hearing, Sponsor, Version

TODAY = dt.date.today()
FUTURE = TODAY + dt.timedelta(days=10)
PAST = TODAY - dt.timedelta(days=10)


def bill(**changes) -> BillRecord:
    """A Texas House bill as a source would give it; keyword arguments replace fields."""
    record = BillRecord(
        source="legiscan",
        jurisdiction="US-TX",
        session="89R",
        identifier="HB 1234",
        title="Relating to health information exchanges",
        summary="An act relating to interoperability of electronic health records.",
        subjects=["Health", "Technology"],
        stage="introduced",
        status="Introduced",
        status_date=dt.date(2025, 2, 3),
        last_action="Filed",
        last_action_date=dt.date(2025, 2, 3),
        actions=[Action(dt.date(2025, 2, 3), "Filed", "lower")],
        sponsors=[Sponsor("Jane Doe", "primary", "D")],
        versions=[Version(dt.date(2025, 2, 3), "Introduced", "https://capitol.texas.gov/hb1234.pdf")],
        url="https://capitol.texas.gov/BillLookup/History.aspx?LegSess=89R&Bill=HB1234",
        source_url="https://api.legiscan.com/?op=getBill&id=1",
        extras={"legiscan_bill_id": 1},
    )
    return dataclasses.replace(record, **changes)


@pytest.fixture
def session(database):
    with database.session() as session:
        yield session


@pytest.fixture
def store(session) -> Store:
    return Store(session)


def events_of(session, bill_id: int) -> list[Event]:
    return list(session.scalars(sa.select(Event).where(Event.bill_id == bill_id).order_by(Event.id)))


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


# -- insert, noop, update -------------------------------------------------------------------------


def test_insert_stores_the_bill_and_its_children(store, session):
    outcome = store.upsert(bill())
    session.commit()
    assert outcome.result == "insert"
    assert outcome.key == ("US-TX", "89R", "HB 1234")
    assert outcome.events == ["new_bill"]
    stored = session.get(Bill, outcome.bill_id)
    assert (stored.title, stored.stage, stored.status_date) == (
        "Relating to health information exchanges", "introduced", dt.date(2025, 2, 3))
    assert stored.subjects == ["Health", "Technology"]
    assert stored.extras == {"legiscan_bill_id": 1}
    assert stored.source == "legiscan"
    assert [(a.date, a.description, a.chamber) for a in stored.actions] == [(dt.date(2025, 2, 3), "Filed", "lower")]
    assert [(s.name, s.role, s.party) for s in stored.sponsors] == [("Jane Doe", "primary", "D")]
    assert [v.url for v in stored.versions] == ["https://capitol.texas.gov/hb1234.pdf"]
    assert len(stored.content_hash) == 40


def test_new_bill_event_is_dated_by_its_first_action_and_no_action_added_for_history(store, session):
    record = bill(actions=[Action(dt.date(2025, 2, 10), "Referred to Public Health", "lower"),
                           Action(dt.date(2025, 2, 3), "Filed", "lower")])
    outcome = store.upsert(record)
    (event,) = events_of(session, outcome.bill_id)
    assert (event.kind, event.event_date, event.source) == ("new_bill", dt.date(2025, 2, 3), "legiscan")
    assert event.data == {"title": record.title, "stage": "introduced"}


def test_unchanged_record_is_a_noop_that_writes_nothing(store, session):
    first = store.upsert(bill())
    session.commit()
    updated_at = session.get(Bill, first.bill_id).updated_at
    again = store.upsert(bill(source_url="https://api.legiscan.com/?op=getBill&id=1&other=page"))
    session.commit()
    session.expire_all()
    assert again == UpsertOutcome(first.bill_id, first.key, "noop", [])
    assert session.get(Bill, first.bill_id).updated_at == updated_at
    assert count(session, Event) == 1


def test_update_replaces_children(store, session):
    first = store.upsert(bill(sponsors=[Sponsor("Jane Doe"), Sponsor("John Roe", "cosponsor")]))
    outcome = store.upsert(bill(sponsors=[Sponsor("Ana Díaz")], actions=[]))
    session.commit()
    assert outcome.result == "update"
    assert outcome.bill_id == first.bill_id
    assert [s.name for s in session.scalars(sa.select(BillSponsor))] == ["Ana Díaz"]
    assert count(session, BillAction) == 0


def _later(**changes) -> Callable[[BillRecord], BillRecord]:
    return lambda record: dataclasses.replace(record, **changes)


def _with_action(record: BillRecord) -> BillRecord:
    return dataclasses.replace(record, actions=[*record.actions, Action(dt.date(2025, 3, 1), "Referred to Public Health", "lower")])


CHANGES = [
    pytest.param(_later(stage="in_committee", status_date=dt.date(2025, 3, 1)), ["stage_changed"],
                 {"from": "introduced", "to": "in_committee"}, dt.date(2025, 3, 1), id="stage"),
    pytest.param(_later(title="Relating to health data exchange"), ["title_changed"],
                 {"from": "Relating to health information exchanges", "to": "Relating to health data exchange"},
                 None, id="title"),
    pytest.param(_with_action, ["action_added"],
                 {"date": "2025-03-01", "description": "Referred to Public Health", "chamber": "lower"},
                 dt.date(2025, 3, 1), id="action"),
    pytest.param(lambda r: dataclasses.replace(r, versions=[*r.versions, Version(dt.date(2025, 4, 2), "Engrossed", None)]),
                 ["version_added"], {"date": "2025-04-02", "note": "Engrossed", "url": None},
                 dt.date(2025, 4, 2), id="version"),
    pytest.param(_later(hearings=[Hearing(FUTURE, "8:00 AM", "E2.012", "Public Health", "Public hearing")]),
                 ["hearing_scheduled"],
                 {"date": FUTURE.isoformat(), "time": "8:00 AM", "location": "E2.012",
                  "committee": "Public Health", "description": "Public hearing"},
                 FUTURE, id="future-hearing"),
    pytest.param(_later(hearings=[Hearing(PAST, committee="Public Health")]), [], None, None, id="past-hearing"),
    pytest.param(_later(summary="A new summary."), [], None, None, id="summary-only"),
    pytest.param(_later(stage=None), [], None, None, id="stage-unknown"),
]


@pytest.mark.parametrize("change, kinds, data, event_date", CHANGES)
def test_each_change_records_its_event(store, session, change, kinds, data, event_date):
    first = store.upsert(bill())
    outcome = store.upsert(change(bill()))
    session.commit()
    assert outcome.result == "update"
    assert outcome.events == kinds
    recorded = [e for e in events_of(session, first.bill_id) if e.kind != "new_bill"]
    assert [e.kind for e in recorded] == kinds
    if kinds:
        assert (recorded[0].data, recorded[0].event_date) == (data, event_date)


def test_new_bill_with_future_and_past_hearings(store, session):
    outcome = store.upsert(bill(hearings=[Hearing(PAST, committee="Health"), Hearing(FUTURE, committee="Health")]))
    assert outcome.events == ["new_bill", "hearing_scheduled"]
    (hearing,) = [e for e in events_of(session, outcome.bill_id) if e.kind == "hearing_scheduled"]
    assert hearing.event_date == FUTURE


def test_several_actions_at_once_make_one_event_each(store, session):
    store.upsert(bill())
    actions = [Action(dt.date(2025, 3, d), f"Step {d}", "lower") for d in (1, 2, 3)]
    outcome = store.upsert(bill(actions=[*bill().actions, *actions]))
    assert outcome.events == ["action_added"] * 3


# -- idempotence, two sources ---------------------------------------------------------------------


def test_re_upserting_the_same_changes_never_duplicates_events(store, session):
    store.upsert(bill())
    moved = _with_action(bill(stage="in_committee"))
    for _ in range(3):
        store.upsert(moved)
    session.commit()
    kinds = sorted(e.kind for e in session.scalars(sa.select(Event)))
    assert kinds == ["action_added", "new_bill", "stage_changed"]


def test_two_sources_make_one_bill_and_alternating_never_repeats_events(store, session):
    legiscan = bill()
    openstates = bill(source="openstates", title="Relating to health information exchange.",
                      stage="in_committee", source_url="https://v3.openstates.org/bills/ocd-bill/1")
    outcomes = [store.upsert(r) for r in (legiscan, openstates, legiscan, openstates, legiscan)]
    session.commit()
    assert {o.bill_id for o in outcomes} == {outcomes[0].bill_id}
    assert count(session, Bill) == 1
    assert [o.result for o in outcomes] == ["insert", "update", "update", "update", "update"]
    assert outcomes[1].events == ["stage_changed", "title_changed"]
    assert outcomes[2].events == ["stage_changed", "title_changed"]  # the way back, once
    assert outcomes[3].events == outcomes[4].events == []
    stored = session.get(Bill, outcomes[0].bill_id)
    assert (stored.source, stored.title) == ("legiscan", legiscan.title)  # last writer wins


def test_same_facts_from_another_source_are_a_noop(store, session):
    first = store.upsert(bill())
    again = store.upsert(bill(source="openstates", source_url="https://v3.openstates.org/bills/1"))
    assert again.result == "noop"
    assert session.get(Bill, first.bill_id).source == "legiscan"


def test_bills_differing_only_in_session_or_jurisdiction_are_different_bills(store):
    ids = {store.upsert(bill()).bill_id, store.upsert(bill(session="89(1)")).bill_id,
           store.upsert(bill(jurisdiction="US-OK")).bill_id}
    assert len(ids) == 3


# -- flags and links ------------------------------------------------------------------------------


def test_baseline_flag_is_passed_to_every_event(store, session):
    first = store.upsert(bill(hearings=[Hearing(FUTURE)]), baseline=True)
    store.upsert(bill(stage="in_committee", hearings=[Hearing(FUTURE)]), baseline=False)
    session.commit()
    flags = [(e.kind, e.baseline) for e in events_of(session, first.bill_id)]
    assert flags == [("new_bill", True), ("hearing_scheduled", True), ("stage_changed", False)]


def test_scan_run_id_is_linked_to_events(store, session):
    run = ScanRun(source="legiscan")
    session.add(run)
    session.flush()
    outcome = store.upsert(bill())
    store.upsert(bill(stage="in_committee"), scan_run_id=run.id)
    assert [(e.kind, e.scan_run_id) for e in events_of(session, outcome.bill_id)] == [
        ("new_bill", None), ("stage_changed", run.id)]


def test_store_never_commits(database, store, session):
    store.upsert(bill())
    store.validators().put_validators("https://example.org/feed", '"v1"', None)
    with database.session() as other:
        assert count(other, Bill) == 0
    session.rollback()
    assert count(session, Bill) == 0
    assert count(session, HttpValidator) == 0


def test_orm_objects_already_loaded_see_the_update(store, session):
    outcome = store.upsert(bill())
    loaded = session.get(Bill, outcome.bill_id)
    assert loaded.title == bill().title
    store.upsert(bill(title="Relating to telehealth"))
    assert loaded.title == "Relating to telehealth"


# -- batches --------------------------------------------------------------------------------------


def test_upsert_many_returns_outcomes_in_order(store, session):
    store.upsert_many([bill(identifier="HB 1"), bill(identifier="HB 2")])
    outcomes = store.upsert_many([bill(identifier="HB 3"), bill(identifier="HB 1"),
                                  bill(identifier="HB 2", stage="enacted")])
    assert [(o.key[2], o.result) for o in outcomes] == [("HB 3", "insert"), ("HB 1", "noop"), ("HB 2", "update")]
    assert outcomes[2].events == ["stage_changed"]


def test_a_key_repeated_in_one_batch_is_stored_in_order(store, session):
    outcomes = store.upsert_many([bill(), bill(stage="in_committee"), bill(stage="in_committee")])
    assert [o.result for o in outcomes] == ["insert", "update", "noop"]
    assert session.get(Bill, outcomes[0].bill_id).stage == "in_committee"


def test_batches_larger_than_a_chunk(store, session, monkeypatch):
    monkeypatch.setattr(store_module, "CHUNK", 3)
    records = [bill(identifier=f"SB {n}", session="89R" if n % 2 else "89(1)") for n in range(1, 11)]
    outcomes = store.upsert_many(records)
    assert len({o.bill_id for o in outcomes}) == 10
    assert [o.key for o in outcomes] == [r.key for r in records]
    assert [o.result for o in store.upsert_many(records)] == ["noop"] * 10


def test_empty_batch(store):
    assert store.upsert_many([]) == []


@pytest.mark.parametrize(
    "changes, problem",
    [
        pytest.param({"identifier": ""}, "identifier is empty", id="empty-identifier"),
        pytest.param({"identifier": "HB " + "9" * 80}, "identifier is longer than 64", id="long-identifier"),
        pytest.param({"jurisdiction": "US-TEXAS-X"}, "jurisdiction is longer than 8", id="long-jurisdiction"),
    ],
)
def test_malformed_keys_are_refused_before_writing(store, session, changes, problem):
    with pytest.raises(StorageError) as caught:
        store.upsert_many([bill(identifier="HB 1"), bill(**changes)])
    assert problem in caught.value.message
    assert count(session, Bill) == 0


# -- odd and international data -------------------------------------------------------------------


def test_record_with_nothing_but_its_key_and_title(store, session):
    bare = BillRecord(source="ca-on", jurisdiction="CA-ON", session="44-1", identifier="12", title="")
    outcome = store.upsert(bare)
    session.commit()
    stored = session.get(Bill, outcome.bill_id)
    assert (stored.title, stored.summary, stored.stage, stored.status_date) == ("", None, None, None)
    assert (stored.subjects, stored.extras, stored.actions) == ([], {}, [])
    (event,) = events_of(session, outcome.bill_id)
    assert event.event_date is None
    assert store.upsert(bare).result == "noop"


def test_children_with_missing_parts(store, session):
    record = bill(actions=[Action(None, "", None)], sponsors=[Sponsor("Someone", role="", party=None)],
                  versions=[Version(None, "", None)], hearings=[Hearing(FUTURE)])
    outcome = store.upsert(record)
    session.commit()
    stored = session.get(Bill, outcome.bill_id)
    assert [(a.date, a.description) for a in stored.actions] == [(None, "")]
    assert stored.sponsors[0].role == "generic"
    assert store.upsert(record).result == "noop"


def test_french_text_round_trips_and_hashes_stably(store, session):
    record = bill(jurisdiction="CA-QC", session="43-1", identifier="PL 3",
                  title="Loi sur les renseignements de santé et de services sociaux",
                  summary="Ce projet de loi édicte la Loi… « données numériques » à l'égard des établissements",
                  sponsors=[Sponsor("Christian Dubé", "primary", "Coalition avenir Québec")],
                  extras={"note": "déposé à l'Assemblée nationale"})
    outcome = store.upsert(record)
    session.commit()
    session.expire_all()
    stored = session.get(Bill, outcome.bill_id)
    assert (stored.title, stored.summary) == (record.title, record.summary)
    assert stored.sponsors[0].name == "Christian Dubé"
    assert stored.extras == {"note": "déposé à l'Assemblée nationale"}
    assert store.upsert(record).result == "noop"
    changed = store.upsert(dataclasses.replace(record, title="Loi sur la santé numérique"))
    (event,) = [e for e in events_of(session, outcome.bill_id) if e.kind == "title_changed"]
    assert changed.events == ["title_changed"]
    assert event.data["to"] == "Loi sur la santé numérique"


def test_dates_inside_extras_are_stored_as_iso_strings(store, session):
    outcome = store.upsert(bill(extras={"introduced": dt.date(2025, 1, 14), "ids": [1, 2]}))
    session.commit()
    session.expire_all()
    assert session.get(Bill, outcome.bill_id).extras == {"introduced": "2025-01-14", "ids": [1, 2]}


def test_overlong_descriptive_fields_are_cut_to_fit(store, session):
    outcome = store.upsert(bill(actions=[Action(None, "Read", "Committee of the Whole House on the State of the Union")]))
    session.commit()
    assert len(session.get(Bill, outcome.bill_id).actions[0].chamber) == 32


# -- record_event, source state, validators -------------------------------------------------------


def test_record_event_inserts_once_per_content(store, session):
    bill_id = store.upsert(bill()).bill_id
    first = store.record_event(bill_id, "rule_matched", {"rule": "interop", "weight": 3}, source="rules")
    again = store.record_event(bill_id, "rule_matched", {"weight": 3, "rule": "interop"}, source="rules")
    other = store.record_event(bill_id, "rule_matched", {"rule": "privacy"}, source="rules",
                               event_date=dt.date(2025, 3, 1), baseline=True)
    assert (first, again, other) == (True, False, True)
    matched = [e for e in events_of(session, bill_id) if e.kind == "rule_matched"]
    assert [(e.data["rule"], e.event_date, e.baseline) for e in matched] == [
        ("interop", None, False), ("privacy", dt.date(2025, 3, 1), True)]


def test_source_state_is_created_once(store, session):
    state = store.source_state("tx", "us-tx")
    assert (state.name, state.type, state.cursor, state.baseline_done, state.consecutive_failures) == (
        "tx", "us-tx", {}, False, 0)
    state.cursor = {"updated_since": "2025-03-01"}
    state.baseline_done = True
    session.commit()
    assert store.source_state("tx", "us-tx") is state
    session.expire_all()
    again = store.source_state("tx", "us-tx")
    assert (again.cursor, again.baseline_done) == ({"updated_since": "2025-03-01"}, True)


def test_source_state_of_a_source_whose_type_changed_starts_over(store, session):
    state = store.source_state("texas", "us-tx")
    state.cursor, state.baseline_done = {"page": 3}, True
    changed = store.source_state("texas", "legiscan")
    assert (changed.type, changed.cursor, changed.baseline_done) == ("legiscan", {}, False)


def test_validators_store(store, session):
    validators = store.validators()
    url = "https://www.ola.org/en/legislative-business/bills/current"
    assert validators.get_validators(url) is None
    validators.put_validators(url, 'W/"abc"', None)
    validators.put_validators(url, 'W/"def"', "Wed, 21 Oct 2015 07:28:00 GMT")
    session.commit()
    assert validators.get_validators(url) == ('W/"def"', "Wed, 21 Oct 2015 07:28:00 GMT")
    assert count(session, HttpValidator) == 1


def test_validators_for_a_url_longer_than_the_column(store):
    validators = store.validators()
    long_url = "https://example.org/search?q=" + "health+" * 400
    validators.put_validators(long_url, '"x"', None)
    assert validators.get_validators(long_url) == ('"x"', None)
    assert validators.get_validators(long_url + "more") is None
