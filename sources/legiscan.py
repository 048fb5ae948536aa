"""LegiScan Pull API: bills of the 50 states, DC and Congress through one keyed JSON API.

Incremental by LegiScan's documented change_hash workflow: one ``getMasterList`` per state (or
configured session) lists every bill with its change_hash; ``getBill`` is asked only for bills
that are new or whose hash changed. A scan of an unchanged state costs exactly one query. The
free key allows 30,000 queries a month: the source counts them, warns past 90% of
``monthly_budget`` and refuses to send the query that would exceed it. Optionally, a session
with many bills to read is loaded from LegiScan's weekly dataset (``getDatasetList`` +
``getDataset``: two queries instead of one per bill). LegiScan data is CC BY 4.0, LegiScan LLC.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import Field, field_validator, model_validator

from monitor.errors import AuthError, ParseError, QuotaError, SourceError
from sources.base import BillRecord, Source, SourceOptions
from sources.legiscan_dataset import bill_from_json, parse_date, read_archive, session_from_api, to_int

log = logging.getLogger("billwatch.sources.legiscan")

DEFAULT_BASE_URL = "https://api.legiscan.com/"
#: LegiScan's state_id order (alphabetical by state name), then DC (51) and Congress (52)
STATE_CODES: tuple[str, ...] = tuple(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC US".split()
)
STATE_BY_ID: dict[int, str] = {i: code for i, code in enumerate(STATE_CODES, start=1)}
#: share of the monthly budget past which the scan report carries a warning
WARN_SHARE = 0.9
#: more bills to read than this in one session, and a dataset (2 queries) is the cheaper way
DATASET_THRESHOLD = 10
_KEY_HINT = ('set api_key = "${LEGISCAN_API_KEY}" (or api_key_file) in this [[source]] table; '
             "a free key: https://legiscan.com/legiscan")


class LegiScanOptions(SourceOptions):
    """Keys of a ``[[source]]`` table with ``type = "legiscan"``."""

    api_key: str = Field(default="", description="LegiScan API key (use ${ENV} or api_key_file)")
    states: list[str] = Field(default_factory=list, description='two-letter codes; "US" for Congress')
    monthly_budget: int = Field(default=30000, ge=1, description="queries allowed per calendar month")
    backfill_datasets: bool = Field(default=False, description="load big sessions from weekly datasets")
    sessions: list[int] | None = Field(default=None, description="LegiScan session ids; default: current")

    @field_validator("states")
    @classmethod
    def _known_states(cls, value: list[str]) -> list[str]:
        codes = list(dict.fromkeys(code.strip().upper() for code in value))
        unknown = [code for code in codes if code not in STATE_CODES]
        if unknown:
            raise ValueError(f"unknown state {', '.join(map(repr, unknown))} "
                             "(allowed: two-letter state codes, DC, US for Congress)")
        return codes

    @field_validator("sessions")
    @classmethod
    def _positive_sessions(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and (not value or any(s <= 0 for s in value)):
            raise ValueError("list LegiScan session ids (e.g. [2173]), or leave the key out for current sessions")
        return value

    @model_validator(mode="after")
    def _something_to_scan(self) -> LegiScanOptions:
        if not self.states and not self.sessions:
            raise ValueError('set states (e.g. states = ["TX", "US"]) or sessions (LegiScan session ids)')
        return self


class LegiScanSource(Source):
    """LegiScan (legiscan.com): bills of all 50 states, DC and the US Congress.

    Needs an API key (free: 30,000 queries a month). Incremental by change_hash: one query per
    state per scan, plus one per new or changed bill. History, sponsors, texts, calendar
    (hearings) and subjects; stages from LegiScan's status and progress codes. Data CC BY 4.0,
    LegiScan LLC. `billwatch import` loads LegiScan's dataset archives without using queries.
    """

    type = "legiscan"
    jurisdictions = "US-* (50 states), US-DC, US (Congress)"
    needs_key = True
    tested_on = ("real captures (dataset bill JSON AK 2011, getMasterListRaw CO 2025, getDatasetList MT, "
                 "CSV dataset OR 2025); documented shape for getMasterList, getBill, getSessionList, errors")
    fields = ("title, summary, subjects, stage, status, actions (chamber), sponsors (party, role), "
              "versions, hearings, official url")
    limits = ("30,000 queries/month on the free key: 1 per state per scan + 1 per changed bill; "
              "weekly datasets for big backfills")
    Options = LegiScanOptions

    options: LegiScanOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = self.options.base_url or DEFAULT_BASE_URL
        self._warned = False

    def fetch(self, since: dt.date | None = None) -> Iterator[BillRecord]:
        """The new and changed bills of every configured state or session (see module docstring)."""
        if not self.options.api_key.strip():
            raise AuthError("no LegiScan API key configured", hint=_KEY_HINT, source=self.name)
        hashes: dict[str, str] = self.cursor.setdefault("bills", {})
        listed = 0
        for params in self._master_list_params():
            masterlist = self._call("getMasterList", **params).get("masterlist")
            session, entries = _split_master_list(masterlist)
            listed += len(entries)
            label = session_from_api(session) if session else None
            wanted = [e for e in entries if _wanted(e, hashes, since)]
            if self.options.backfill_datasets and len(wanted) > DATASET_THRESHOLD and session:
                yield from self._from_dataset(session, label, params)
                wanted = [e for e in wanted if _wanted(e, hashes, since)]
            for entry in wanted:
                record = self._bill(entry, label)
                hashes[str(entry["bill_id"])] = entry["change_hash"]
                yield record
        if not listed:
            self.nothing_new_reason = "LegiScan lists no bills in the scanned sessions yet"

    def session_list(self, state: str) -> list[dict[str, Any]]:
        """The sessions LegiScan has for ``state``: session_id, label, years, special (newest first)."""
        sessions = self._call("getSessionList", state=state).get("sessions")
        if not isinstance(sessions, list):
            raise ParseError("getSessionList answer has no \"sessions\" list", source=self.name)
        return [{"session_id": to_int(s.get("session_id")), "label": session_from_api(s),
                 "year_start": to_int(s.get("year_start")), "year_end": to_int(s.get("year_end")),
                 "special": bool(to_int(s.get("special")))} for s in sessions]

    def _master_list_params(self) -> list[dict[str, Any]]:
        if self.options.sessions:
            return [{"id": session_id} for session_id in self.options.sessions]
        return [{"state": state} for state in self.options.states]

    def _bill(self, entry: Mapping[str, Any], label: str | None) -> BillRecord:
        bill_id = entry["bill_id"]
        bill = self._call("getBill", id=bill_id).get("bill")
        if not isinstance(bill, dict):
            raise ParseError(f"getBill {bill_id} answer has no \"bill\" object", source=self.name)
        source_url = f"{self.base_url}?op=getBill&id={bill_id}"
        return bill_from_json(bill, session=label, source_url=source_url)

    def _from_dataset(self, session: Mapping[str, Any], label: str | None,
                      params: Mapping[str, Any]) -> Iterator[BillRecord]:
        """Every bill of the session's weekly dataset, unless that dataset was loaded already."""
        session_id = to_int(session.get("session_id"))
        state = params.get("state") or STATE_BY_ID.get(to_int(session.get("state_id")) or 0)
        datasets = self._call("getDatasetList", state=state).get("datasetlist") or []
        dataset = next((d for d in datasets if to_int(d.get("session_id")) == session_id), None)
        loaded: dict[str, str] = self.cursor.setdefault("datasets", {})
        if dataset is None or loaded.get(str(session_id)) == dataset.get("dataset_hash"):
            return
        answer = self._call("getDataset", id=session_id, access_key=dataset.get("access_key", ""))
        # One record behind, so that the dataset is marked loaded before its last bill is yielded
        # and the scan stores that mark together with the bill.
        pending: BillRecord | None = None
        for record in read_archive(io.BytesIO(_decode_zip(answer, self.name))):
            if pending is not None:
                yield self._remember(pending)
            record.session = label or record.session
            pending = record
        loaded[str(session_id)] = str(dataset.get("dataset_hash"))
        if pending is not None:
            yield self._remember(pending)

    def _remember(self, record: BillRecord) -> BillRecord:
        """Store a dataset bill's change_hash in the cursor (just before the bill is yielded)."""
        bill_hash = record.extras.get("change_hash")
        if bill_hash:
            self.cursor["bills"][str(record.extras["legiscan_bill_id"])] = bill_hash
        return record

    def _call(self, op: str, **params: Any) -> dict[str, Any]:
        """One API query: budget checked, the ERROR answers (HTTP 200) turned into errors."""
        self._check_budget(op)
        response = self.http.get(self.base_url, params={"key": self.options.api_key, "op": op, **params})
        if response is None:  # only conditional GETs answer None; LegiScan's are not conditional
            raise SourceError(f"{op}: no answer", source=self.name)
        try:
            payload = json.loads(response.content)
        except ValueError:
            snippet = self.http.redact(" ".join(response.text[:120].split()))
            raise ParseError(f"LegiScan {op} answered something that is not JSON: {snippet!r}",
                             hint="check base_url points at the LegiScan API (https://api.legiscan.com/)",
                             source=self.name) from None
        status = payload.get("status") if isinstance(payload, dict) else None
        if status == "OK":
            return payload
        if status == "ERROR":
            raise self._api_error(op, payload)
        raise ParseError(f"LegiScan {op} answer has status {status!r} (expected OK or ERROR)", source=self.name)

    def _api_error(self, op: str, payload: Mapping[str, Any]) -> SourceError:
        alert = payload.get("alert")
        message = alert.get("message") if isinstance(alert, dict) else alert
        text = self.http.redact(str(message or "no message"))
        summary = f"LegiScan {op} answered ERROR: {text}"
        lowered = text.lower()
        if any(word in lowered for word in ("limit", "quota", "exceeded")):
            return QuotaError(summary, hint="LegiScan refuses more queries this month: wait for the reset, "
                              "scan less often, or use `billwatch import` with a dataset archive",
                              source=self.name)
        if "key" in lowered:
            return AuthError(summary, hint=_KEY_HINT, source=self.name)
        return SourceError(summary, hint="check states and sessions of this [[source]] table; "
                           "LegiScan may also be down: retry later", source=self.name)

    def _check_budget(self, op: str) -> None:
        """Refuse the query that would exceed monthly_budget; warn once past 90% of it."""
        budget = self.options.monthly_budget
        used = self.quota_used_this_month + self.http.requests
        if used + 1 > budget:
            raise QuotaError(
                f"monthly_budget of {budget} LegiScan queries reached ({used} used this month); "
                f"{op} not sent",
                hint="wait for next month, raise monthly_budget if your LegiScan plan allows it, "
                     "or load a dataset archive with `billwatch import`",
                source=self.name,
            )
        if not self._warned and used + 1 > WARN_SHARE * budget:
            self._warned = True
            warning = (f"LegiScan queries this month passed 90% of monthly_budget "
                       f"({used + 1} of {budget})")
            self.warnings.append(warning)
            log.warning("%s: %s", self.name, warning)


def _split_master_list(masterlist: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(session, bill entries) of a master list: an object with numeric-string keys, not a list."""
    if isinstance(masterlist, dict):
        session = masterlist.get("session") or {}
        items = [value for key, value in masterlist.items() if key != "session"]
    elif isinstance(masterlist, list):
        session, items = {}, masterlist
    else:
        raise ParseError("getMasterList answer has no \"masterlist\" object", source="legiscan")
    entries = []
    for item in items:
        if not isinstance(item, dict) or not item.get("bill_id") or not item.get("change_hash"):
            raise ParseError(f"getMasterList entry without bill_id or change_hash: {str(item)[:100]}",
                             source="legiscan")
        entries.append({**item, "bill_id": to_int(item["bill_id"]), "change_hash": str(item["change_hash"])})
    return session, entries


def _wanted(entry: Mapping[str, Any], hashes: Mapping[str, str], since: dt.date | None) -> bool:
    """New or changed since the stored hash, or (with ``since``) acted on since that day."""
    if hashes.get(str(entry["bill_id"])) != entry["change_hash"]:
        return True
    if since is None:
        return False
    last = parse_date(entry.get("last_action_date")) or parse_date(entry.get("status_date"))
    return last is not None and last >= since


def _decode_zip(answer: Mapping[str, Any], source: str) -> bytes:
    dataset = answer.get("dataset")
    if not isinstance(dataset, dict) or not dataset.get("zip"):
        raise ParseError("getDataset answer has no dataset zip", source=source)
    try:
        return base64.b64decode(dataset["zip"], validate=False)
    except (binascii.Error, ValueError):
        raise ParseError("getDataset zip is not valid base64", source=source) from None
