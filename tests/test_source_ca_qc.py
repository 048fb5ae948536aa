"""Québec (ca-qc) on the real captures: the 43-2 list and bill 11's stage page (French)."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.errors import LayoutChangedError
from sources._parsing import soup
from sources.ca_qc import quebec_stage
from tests.ca_helpers import by_id, fixture, make_source, steps

SITE = "https://www.assnat.qc.ca"
BILLS = f"{SITE}/fr/travaux-parlementaires/projets-loi"
LIST = f"{BILLS}/projets-loi-43-2.html"
RSS = f"{SITE}/fr/rss/SyndicationRSS-210.html"
LIST_PAGE = fixture("qc", "assnat_projets-loi-43-2_upstream-trimmed.html")
BILL_11 = fixture("qc", "assnat_projet-loi-11-43-1_fr_upstream-trimmed.html")
FEED = fixture("qc", "assnat_rss_210_documented.xml")

LISTED = {  # identifier: (title, raw stage, stage, bill page, origin session)
    "1": ("Loi constitutionnelle de 2025 sur le Québec", "Adoption du principe", "in_committee",
          f"{BILLS}/projet-loi-1-43-2.html", None),
    "9": ("Loi sur le renforcement de la laïcité au Québec", "Sanction", "enacted",
          f"{BILLS}/projet-loi-9-43-2.html", None),
    "94": ("Loi visant notamment à renforcer la laïcité dans le réseau de l'éducation et modifiant "
           "diverses dispositions législatives", "Sanction", "enacted", f"{BILLS}/projet-loi-94-43-1.html", "43-1"),
}


def test_every_bill_of_the_list_capture(no_network):
    no_network.get(LIST, body=LIST_PAGE)
    # no page budget: each bill is what the list says (the bill pages of 43-2 were not captured)
    bills = by_id(list(make_source("ca-qc", legislature=43, session=2, rss=False, max_bill_pages=0).fetch()))
    assert set(bills) == set(LISTED)
    for number, (title, raw, stage, url, origin) in LISTED.items():
        bill = bills[number]
        assert (bill.jurisdiction, bill.session, bill.title) == ("CA-QC", "43-2", title)
        assert (bill.status, bill.stage, bill.url) == (raw, stage, url)
        assert bill.extras.get("origin_session") == origin
        assert bill.extras["bill_type"] == "Public du gouvernement"


def test_bill_11_from_its_stage_page():
    source = make_source("ca-qc", legislature=43, session=1)
    url = f"{BILLS}/projet-loi-11-43-1.html"
    entry = {"title": "", "status": "Sanction", "url": url, "extras": {"bill_type": "Public du gouvernement"}}
    bill = source.bill(soup(BILL_11, url), "11", entry, "43-1")
    assert bill.title == ("Loi modifiant la Loi concernant les soins de fin de vie et d'autres "
                          "dispositions législatives")
    assert [s.name for s in bill.sponsors] == ["Sonia Bélanger"]
    assert (bill.stage, bill.status, bill.status_date) == ("enacted", "Sanction", dt.date(2023, 6, 7))
    vote_later = ("Le débat étant terminé, un vote par appel nominal est exigé puis reporté à la "
                  "période des affaires courantes de la prochaine séance")
    consultations = "Consultations particulières"
    study = "Étude détaillée en commission"
    assert steps(bill) == [
        ("2023-02-16", "Présentation"),
        *[(f"2023-03-{d}", consultations) for d in ("14", "15", "16", "21", "23", "28", "29")],
        ("2023-03-30", "Dépôt du rapport de commission - Consultation"),
        ("2023-04-04", "Adoption du principe"),
        *[(d, study) for d in ("2023-04-18", "2023-04-20", "2023-05-09", "2023-05-10", "2023-05-24",
                               "2023-05-25", "2023-05-30")],
        ("2023-05-31", "Dépôt du rapport de commission - Étude détaillée: amendements"),
        ("2023-06-01", f"Prise en considération du rapport de commission: {vote_later}"),
        ("2023-06-02", "Prise en considération du rapport de commission: Vote : Pour 107, Contre 0, Abstention 0"),
        ("2023-06-06", f"Adoption: {vote_later}"),
        ("2023-06-07", "Adoption: Vote : Pour 103, Contre 2, Abstention 1"),
        ("2023-06-07", "Sanction"),
    ]
    staged = [(a.date.isoformat(), a.classification[0]) for a in bill.actions if a.classification]
    assert staged == [
        ("2023-02-16", "introduced"), ("2023-03-29", "in_committee"), ("2023-03-30", "in_committee"),
        ("2023-04-04", "in_committee"), ("2023-05-30", "in_committee"), ("2023-05-31", "passed_committee"),
        ("2023-06-02", "passed_committee"), ("2023-06-07", "passed_chamber"), ("2023-06-07", "enacted"),
    ]
    assert bill.extras == {"bill_type": "Public du gouvernement", "chapter": "2023, chapitre 15"}
    assert [(v.date, v.note) for v in bill.versions] == [(dt.date(2023, 2, 16), "Présentation (PDF)")]


@pytest.mark.parametrize(
    ("name", "stage"),
    [("Présentation", "introduced"), ("Consultations particulières", "in_committee"),
     ("Dépôt du rapport de commission - Consultation", "in_committee"),
     ("Adoption du principe", "in_committee"), ("Étude détaillée en commission", "in_committee"),
     ("Dépôt du rapport de commission - Étude détaillée", "passed_committee"),
     ("Prise en considération du rapport de commission", "passed_committee"),
     ("Adoption", "passed_chamber"), ("Sanction", "enacted"), ("ADOPTION DU PRINCIPE", "in_committee"),
     ("Retiré", "withdrawn")],
)
def test_quebec_stage_names(name, stage):
    assert quebec_stage(name) == stage


def test_pages_read_when_the_stage_changes_or_the_feed_names_the_bill(no_network):
    no_network.get(LIST, body=LIST_PAGE)
    for url in (v[3] for v in LISTED.values()):
        no_network.get(url, body=BILL_11)
    first = make_source("ca-qc", legislature=43, session=2, rss=False)
    assert len(list(first.fetch())) == 3
    # nothing changed on the list, no feed: no bill page is read again
    second = make_source("ca-qc", legislature=43, session=2, rss=False, cursor=first.cursor)
    assert list(second.fetch()) == []
    assert second.nothing_new_reason == "no bill of 43-2 changed stage since the last scan"
    # the feed names bill 1 (and bill 12, not on the list yet): bill 1's page is read again
    no_network.get(RSS, body=FEED, content_type="application/rss+xml")
    calls = len(no_network.calls)
    third = make_source("ca-qc", legislature=43, session=2, cursor=first.cursor)
    assert [b.identifier for b in third.fetch()] == ["1"]
    assert [c.request.url for c in no_network.calls[calls:]] == [LIST, RSS, LISTED["1"][3]]
    # a new stage on the list: that bill's page is read again
    moved = LIST_PAGE.replace(b"Adoption du principe", "Étude détaillée en commission".encode())
    no_network.replace("GET", LIST, body=moved)
    fourth = make_source("ca-qc", legislature=43, session=2, rss=False, cursor=first.cursor)
    assert [b.identifier for b in fourth.fetch()] == ["1"]


def test_changed_list_markup_names_selector_and_url(no_network):
    no_network.get(LIST, body=LIST_PAGE.replace(b"tblListeProjetLoi", b"listeProjets"))
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-qc", legislature=43, session=2, rss=False).fetch())
    assert "'#tblListeProjetLoi tr'" in str(err.value) and LIST in str(err.value)


def test_bill_page_without_its_stages_is_a_layout_change(no_network):
    no_network.get(LIST, body=LIST_PAGE)
    no_network.get(LISTED["1"][3], body=BILL_11.replace("Étapes de cheminement".encode(), b"Parcours"))
    with pytest.raises(LayoutChangedError) as err:
        list(make_source("ca-qc", legislature=43, session=2, rss=False, max_bill_pages=1).fetch())
    assert "Étapes de cheminement" in str(err.value) and LISTED["1"][3] in str(err.value)


def test_feed_names_bills_by_link_or_title(no_network):
    no_network.get(RSS, body=FEED, content_type="application/rss+xml")
    assert make_source("ca-qc", legislature=43, session=2).bills_in_feed() == {"1", "12"}


def test_missing_bill_page_answered_with_an_error_page(no_network):
    no_network.get(LIST, body=LIST_PAGE)
    error_page = "<html><head><title>Erreur</title></head><body><h1>La page ne peut être affichée</h1></body></html>"
    no_network.get(LISTED["1"][3], body=error_page.encode())
    no_network.get(LISTED["9"][3], body=BILL_11)
    no_network.get(LISTED["94"][3], body=BILL_11)
    source = make_source("ca-qc", legislature=43, session=2, rss=False)
    assert [b.identifier for b in source.fetch()] == ["9", "94"]
    assert "answered 200 with an error page ('La page ne peut être affichée')" in source.warnings[0]
