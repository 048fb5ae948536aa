"""British Columbia: the Legislative Assembly's LIMS JSON (progress of bills)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import Field

from monitor.errors import ParseError
from sources._parsing import clean_text, parse_date
from sources._provinces import ProvinceSource, Step, reading_stage, summarize
from sources.base import BillRecord, SourceOptions, Sponsor, Version

#: LIMS billTypeId -> (identifier prefix, kind). Members' bills are "M 226"; private bills "PR 401".
BILL_TYPES: dict[int, tuple[str, str]] = {1: ("", "government"), 2: ("M ", "member"), 3: ("PR ", "private")}
#: the reading dates of a progress-of-bills row, in procedural order, with BC's own names
READINGS: tuple[tuple[str, str], ...] = (
    ("firstReading", "First Reading"),
    ("secondReading", "Second Reading"),
    ("committeeReading", "Committee of the Whole"),
    ("reportReading", "Report"),
    ("amendedReading", "Amended"),
    ("thirdReading", "Third Reading"),
    ("royalAssent", "Royal Assent"),
)
SESSIONS_QUERY = (
    "{ allSessions { nodes { id number annotation startDate endDate "
    "parliamentByParliamentId { id number annotation startDate endDate } } } }"
)


class BritishColumbiaOptions(SourceOptions):
    """``[[source]]`` keys of type ca-bc."""

    parliament: int | None = Field(default=None, description="e.g. 43; default: the latest session")
    session: int | None = Field(default=None, description="e.g. 2 (with parliament)")
    session_id: int | None = Field(
        default=None, description="LIMS session id (e.g. 206): skips the GraphQL sessions query"
    )


class BritishColumbia(ProvinceSource):
    """British Columbia's Legislative Assembly (LIMS JSON: sessions by GraphQL, progress of bills).

    Session label ``"<parliament>-<session>"`` (``"43-2"``). Identifiers: government bills by
    number (``"3"``), members' bills ``"M 226"``, private bills ``"PR 401"``. One POST (sessions)
    and one conditional GET per scan; with ``session_id`` no POST (the label is read from the
    bills' file paths).
    """

    type = "ca-bc"
    jurisdictions = "CA-BC"
    jurisdiction = "CA-BC"
    tested_on = "real capture"
    fields = ("identifier, title, stage, every reading date as actions, sponsor (member), "
              "bill text versions per reading, chapter number")
    limits = "no summaries or subjects; private bills' 'PR' prefix is not in the capture"
    default_base_url = "https://lims.leg.bc.ca/"
    Options: ClassVar[type[SourceOptions]] = BritishColumbiaOptions

    def read(self, since: dt.date | None) -> Iterator[BillRecord]:
        opts: Any = self.options
        if opts.session_id is not None:  # no GraphQL: the label comes from the bills' file paths
            session_id, label, code = opts.session_id, "", ""
        else:
            session_id, label, code = self.find_session()
        url = self.url(f"pdms/bills/progress-of-bills/{session_id}")
        response = self.http.get(url, conditional=True)
        if response is None:
            self.nothing_new_reason = (f"progress of bills {label or f'(LIMS session {session_id})'} "
                                       "not modified since the last scan")
            return
        try:
            rows = response.json()
        except ValueError:
            self.http.forget_validators(url)
            raise ParseError(f"{url} did not answer JSON", source=self.name) from None
        if not isinstance(rows, list):
            self.http.forget_validators(url)
            raise ParseError(f"{url} answered {type(rows).__name__}, expected a list of bills", source=self.name)
        if not label:
            label, code = _label_from_paths(rows, session_id)
        if not rows:
            self.nothing_new_reason = f"session {label} has no bills yet"
        try:
            for row in rows:
                yield self.bill(row, label, code, url)
        except (KeyError, TypeError, ValueError) as exc:
            self.http.forget_validators(url)
            raise ParseError(f"{url}: a bill lacks the expected fields ({exc!r})", source=self.name) from None

    def find_session(self) -> tuple[int, str, str]:
        """(LIMS session id, "43-2", "43rd2nd") of the configured session, or the latest one."""
        url = self.url("graphql")
        response = self.http.post(url, json={"query": SESSIONS_QUERY})
        try:
            nodes = response.json()["data"]["allSessions"]["nodes"]
        except (ValueError, KeyError, TypeError):
            raise ParseError(f"{url}: no data.allSessions.nodes in the answer", source=self.name) from None
        opts: Any = self.options
        if opts.parliament is not None or opts.session is not None:
            found = [n for n in nodes if n["number"] == opts.session
                     and n["parliamentByParliamentId"]["number"] == opts.parliament]
            if not found:
                raise self.error(f"LIMS lists no session {opts.parliament}-{opts.session}",
                                 hint="set parliament and session of a session listed at leg.bc.ca")
        else:
            found = sorted(nodes, key=lambda n: n["startDate"] or "")[-1:]
            if not found:
                raise ParseError(f"{url} lists no sessions", source=self.name)
        node = found[0]
        parliament = node["parliamentByParliamentId"]
        label = f"{parliament['number']}-{node['number']}"
        code = f"{parliament['number']}{parliament['annotation']}{node['number']}{node['annotation']}"
        return int(node["id"]), label, code

    def bill(self, row: dict[str, Any], session: str, code: str, url: str) -> BillRecord:
        prefix, kind = BILL_TYPES.get(row["billTypeId"], ("", f"type {row['billTypeId']}"))
        steps = [Step(name, parse_date(row.get(key)), reading_stage(name))
                 for key, name in READINGS if row.get(key)]
        if row.get("ruledOutOfOrder"):
            steps.append(Step("Ruled out of order", None, "failed", "ruled out of order by the Speaker"))
        versions = []
        for node in (row.get("files") or {}).get("nodes") or []:
            # LIMS answers another session's bills for an unknown id: the paths give it away
            if code and code not in node["path"]:
                raise ParseError(f"{url} answered bills of another session ({node['path']}, expected {code})",
                                 source=self.name)
            versions.append(Version(parse_date(node.get("readingDate")), node["readingTypeName"],
                                    self.url("pdms" + node["path"])))
        extras: dict[str, Any] = {"lims_bill_id": row["billId"], "bill_type": kind}
        if row.get("chapterNumber") is not None:
            extras["chapter"] = row["chapterNumber"]
        for flag in ("reinstated", "titleChanged"):
            if row.get(flag):
                extras[flag] = True
        return self.record(
            session, f"{prefix}{row['billNumber']}", clean_text(row["title"]),
            sponsors=[Sponsor(clean_text(row["memberAlias"]))] if row.get("memberAlias") else [],
            versions=versions, url=versions[-1].url if versions else None, source_url=url,
            extras=extras, **summarize(steps),
        )


def _label_from_paths(rows: list[Any], session_id: int) -> tuple[str, str]:
    """("43-2", "43rd2nd") from the first bill file path ("/ldp/43rd2nd/..."), else the LIMS id."""
    for row in rows:
        for node in ((row or {}).get("files") or {}).get("nodes") or []:
            m = re.search(r"/ldp/((\d+)[a-z]{2}(\d+)[a-z]{2})/", node.get("path", ""))
            if m:
                return f"{m.group(2)}-{m.group(3)}", m.group(1)
    return f"lims-{session_id}", ""
