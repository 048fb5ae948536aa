"""Read through a mirror (base_url), a bill's `url` still names the legislature's own site."""

from __future__ import annotations

from tests.ca_helpers import fixture, make_source

MIRROR = "http://127.0.0.1:8765/mirror"
CAPTURE = fixture("nl", "assembly_nl_progress_of_bills_ga48s1_upstream-trimmed.html")


def test_mirror_links_point_back_to_the_official_site(no_network):
    no_network.get(f"{MIRROR}/HouseBusiness/Bills/ga48session1/", body=CAPTURE)
    source = make_source("ca-nl", general_assembly=48, session=1, base_url=MIRROR)
    records = list(source.fetch())
    assert records and all(r.url for r in records)
    for record in records:
        assert record.url.startswith("https://www.assembly.nl.ca/"), record.url
        assert record.source_url.startswith(MIRROR)


def test_official_url_leaves_other_sites_alone():
    source = make_source("ca-nl", general_assembly=48, session=1, base_url=MIRROR)
    assert source.official_url(f"{MIRROR}/HouseBusiness/Bills/x.htm") == "https://www.assembly.nl.ca/HouseBusiness/Bills/x.htm"
    assert source.official_url("https://example.org/x") == "https://example.org/x"


def test_root_relative_links_stay_under_a_mirror_with_a_path_prefix():
    source = make_source("ca-on", base_url=MIRROR)
    page = f"{MIRROR}/en/legislative-business/bills/parliament-43/session-1"
    assert source.link("/en/legislative-business/bills/parliament-43/session-1/bill-28", page) == (
        f"{MIRROR}/en/legislative-business/bills/parliament-43/session-1/bill-28")
    assert source.link("https://www.ola.org/en/x", page) == f"{MIRROR}/en/x"
    assert source.link("bill-28/status", page + "/") == page + "/bill-28/status"
