"""The one HTTP client every source uses.

A ``requests.Session`` with a User-Agent naming billwatch and the operator's contact, connect and
read timeouts, retries with exponential backoff on connection errors, 429 and 5xx (honouring
Retry-After), a per-host minimum interval between requests, conditional GET with validators kept
per URL, and redaction of secrets from every log line and error.

Sources get a :class:`SourceHttp` from :meth:`HttpClient.for_source`: it counts the source's
requests and knows the source's secrets.
"""

from __future__ import annotations

import email.utils
import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import requests
from pydantic import BaseModel, ConfigDict, Field

from monitor import __version__
from monitor.errors import AuthError, FetchError, QuotaError

log = logging.getLogger("billwatch.http")

#: query parameters that always hold secrets, whatever the source
SECRET_PARAMS = ("key", "apikey", "api_key", "access_key", "token", "password")
_SECRET_PARAM_RE = re.compile(r"(?i)([?&](?:%s)=)[^&#\s]+" % "|".join(SECRET_PARAMS))
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class HttpSettings(BaseModel):
    """The ``[http]`` table."""

    model_config = ConfigDict(extra="forbid")

    contact: str | None = Field(default=None, description="e-mail or URL put in the User-Agent")
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    backoff: float = Field(default=2.0, ge=0, description="first retry delay in seconds, doubled each time")
    max_retry_after: float = Field(default=300.0, ge=0, description="longest Retry-After honoured, seconds")
    min_interval: float = Field(default=1.0, ge=0, description="default seconds between requests to one host")
    per_host: dict[str, float] = Field(default_factory=dict, description="host -> min seconds between requests")


class ValidatorStore(Protocol):
    """Where conditional-GET validators are kept (the database in production)."""

    def get_validators(self, url: str) -> tuple[str | None, str | None] | None: ...

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None: ...


class MemoryValidators:
    """Validators kept in memory (tests, dry runs)."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str | None, str | None]] = {}

    def get_validators(self, url: str) -> tuple[str | None, str | None] | None:
        return self._data.get(url)

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._data[url] = (etag, last_modified)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret value and every secret-named query parameter replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
            quoted = urllib.parse.quote(secret, safe="")
            if quoted != secret:
                text = text.replace(quoted, "***")
    return _SECRET_PARAM_RE.sub(r"\1***", text)


def describe_request_error(exc: requests.RequestException) -> str:
    """A short account of a network failure ("cannot resolve host www.parl.ca"), not urllib3's
    nested reprs."""
    text = str(exc)
    host = urllib.parse.urlsplit(exc.request.url).netloc if exc.request is not None and exc.request.url else ""
    host = host or (m.group(1) if (m := re.search(r"host='([^']+)'", text)) else "the server")
    if "NameResolutionError" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return f"cannot resolve host {host} (DNS): check the network or the URL"
    if isinstance(exc, requests.ConnectTimeout):
        return f"connecting to {host} timed out"
    if isinstance(exc, requests.ReadTimeout):
        return f"{host} did not answer in time (read timeout)"
    if "Connection refused" in text:
        return f"{host} refused the connection"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS error talking to {host}: {text[:200]}"
    if "RemoteDisconnected" in text or "Connection aborted" in text or "Connection reset" in text:
        return f"{host} closed the connection"
    return f"{type(exc).__name__}: {text[:300]}"


def user_agent(contact: str | None) -> str:
    ua = f"billwatch/{__version__}"
    return f"{ua} (+{contact})" if contact else ua


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class HttpClient:
    """One session, one rate limiter and one validator store for all sources."""

    def __init__(
        self,
        settings: HttpSettings | None = None,
        validators: ValidatorStore | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or HttpSettings()
        self.validators = validators or MemoryValidators()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent(self.settings.contact)
        self._sleep = sleep
        self._clock = clock
        self._last_request: dict[str, float] = {}
        self._lock = threading.Lock()
        #: monitor.robots.RobotsPolicy, made when the first source that respects robots.txt asks
        self.robots: Any = None

    def for_source(
        self, name: str, secrets: Iterable[str] = (), min_interval: float | None = None,
        respects_robots: bool = False,
    ) -> SourceHttp:
        source_http = SourceHttp(self, name, [s for s in secrets if s], min_interval)
        if respects_robots:  # web-page sources obey robots.txt; API sources do not ask it
            from monitor.robots import RobotsPolicy

            self.robots = self.robots or RobotsPolicy(self)
            source_http.robots = self.robots
        return source_http

    def close(self) -> None:
        self.session.close()

    def _host_interval(self, host: str, source_interval: float | None) -> float:
        if host in self.settings.per_host:
            return self.settings.per_host[host]
        if source_interval is not None:
            return source_interval
        return self.settings.min_interval

    def _wait_for_host(self, host: str, interval: float) -> None:
        with self._lock:
            last = self._last_request.get(host)
            now = self._clock()
            if last is not None and now - last < interval:
                self._sleep(interval - (now - last))
            self._last_request[host] = self._clock()


class SourceHttp:
    """The HTTP client as one source sees it: counts requests, redacts the source's secrets."""

    def __init__(self, client: HttpClient, name: str, secrets: list[str], min_interval: float | None):
        self.client = client
        self.name = name
        self.secrets = secrets
        self.min_interval = min_interval
        self.requests = 0
        #: robots.txt policy (monitor.robots.RobotsPolicy) for sources that read web pages
        self.robots: Any = None
        #: called after every request actually sent (quota accounting)
        self.on_request: Callable[[], None] | None = None

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        conditional: bool = False,
    ) -> requests.Response | None:
        """GET ``url``; with ``conditional``, None when the server answers 304 Not Modified."""
        req_headers = dict(headers or {})
        key = self.redact(requests.Request("GET", url, params=params).prepare().url or url)
        if conditional:
            stored = self.client.validators.get_validators(key)
            if stored:
                etag, last_modified = stored
                if etag:
                    req_headers["If-None-Match"] = etag
                if last_modified:
                    req_headers["If-Modified-Since"] = last_modified
        response = self.request("GET", url, params=params, headers=req_headers)
        if response.status_code == 304:
            log.debug("%s: not modified: %s", self.name, key)
            return None
        if conditional:
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
            if etag or last_modified:
                self.client.validators.put_validators(key, etag, last_modified)
        return response

    def forget_validators(self, url: str, *, params: Mapping[str, Any] | None = None) -> None:
        """Drop the validators kept for ``url``: its next conditional GET fetches it in full.

        For a body that was fetched but not processed (parse error, failed scan): the validators
        are saved as soon as the 200 arrives, so without this the next scan would get a 304 and the
        failure would pass for "nothing new".
        """
        key = self.redact(requests.Request("GET", url, params=params).prepare().url or url)
        self.client.validators.put_validators(key, None, None)

    def post(self, url: str, *, json: Any = None, data: Any = None,
             headers: Mapping[str, str] | None = None) -> requests.Response:
        return self.request("POST", url, json=json, data=data, headers=dict(headers or {}))

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send with retries; return a 2xx or 304 response, else raise a SourceError subclass."""
        settings = self.client.settings
        host = urllib.parse.urlsplit(url).netloc
        interval = self.client._host_interval(host, self.min_interval)
        if self.robots is not None and method == "GET":  # refuses disallowed URLs; Crawl-delay
            target = requests.Request(method, url, params=kwargs.get("params")).prepare().url or url
            interval = max(interval, self.robots.check(target, self.name))
        shown = self.redact(url)
        attempt = 0
        while True:
            self.client._wait_for_host(host, interval)
            self.requests += 1
            if self.on_request:
                self.on_request()
            try:
                response = self.client.session.request(
                    method, url, timeout=(settings.connect_timeout, settings.read_timeout), **kwargs
                )
            except requests.RequestException as exc:
                problem = self.redact(describe_request_error(exc))
                if attempt >= settings.retries:
                    raise FetchError(
                        f"{method} {shown} failed after {attempt + 1} attempts: {problem}", source=self.name
                    ) from None
                delay = settings.backoff * (2**attempt)
                log.warning("%s: %s %s: %s; retrying in %.0fs", self.name, method, shown, problem, delay)
                self.client._sleep(delay)
                attempt += 1
                continue
            shown = self.redact(response.url or url)
            log.debug("%s: %s %s -> %s", self.name, method, shown, response.status_code)
            if response.status_code < 400 and response.status_code != 300:
                return response
            if response.status_code in RETRY_STATUSES and attempt < settings.retries:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                if wait is not None and wait > settings.max_retry_after:
                    raise QuotaError(
                        f"{shown} answered {response.status_code} and asks to wait {wait:.0f}s "
                        f"(more than [http] max_retry_after = {settings.max_retry_after:.0f}s)",
                        source=self.name,
                    )
                delay = wait if wait is not None else settings.backoff * (2**attempt)
                log.warning("%s: %s %s -> %s; retrying in %.0fs", self.name, method, shown,
                            response.status_code, delay)
                self.client._sleep(delay)
                attempt += 1
                continue
            raise self._status_error(method, shown, response)

    def _status_error(self, method: str, shown: str, response: requests.Response) -> Exception:
        body = self.redact(" ".join(response.text[:200].split())) if response.text else ""
        message = f"{method} {shown} answered HTTP {response.status_code}"
        if body:
            message += f": {body}"
        if response.status_code in (401, 403):
            return AuthError(message, source=self.name)
        if response.status_code == 429:
            return QuotaError(message, source=self.name)
        return FetchError(message, source=self.name)
