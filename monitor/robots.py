"""robots.txt, read once per host per run and obeyed by the sources that read web pages.

Sources that scrape a legislature's pages (``respects_robots = True`` on the source class) get a
:class:`RobotsPolicy` on their HTTP client. Before each GET it reads the host's robots.txt (once,
through the shared session and its rate limiter, then cached), refuses a disallowed URL with
:class:`RobotsDisallowedError`, and returns the host's Crawl-delay, which the client adds to its
per-host interval. API sources (LegiScan, Open States) do not use it: an API's terms govern them.

Fetch failures follow RFC 9309: robots.txt missing (4xx) allows everything; unreachable (5xx,
network error) disallows everything for this run, so a site in trouble is not crawled blind.
"""

from __future__ import annotations

import logging
import re
import threading
import urllib.parse
import urllib.robotparser
from typing import TYPE_CHECKING

import requests

from monitor.errors import FetchError, SourceError
from monitor.http import describe_request_error

if TYPE_CHECKING:
    from monitor.http import HttpClient

log = logging.getLogger("billwatch.robots")

#: the product token robots.txt groups are matched against
ROBOTS_AGENT = "billwatch"


class RobotsDisallowedError(SourceError):
    """The site's robots.txt forbids automated clients from reading a URL the source needs."""

    hint = (
        "the legislature asks robots not to read this page: disable this source, or point "
        "base_url at a copy you are allowed to read"
    )


class RobotRules(urllib.robotparser.RobotFileParser):
    """urllib's parser (Crawl-delay, fetch state) with RFC 9309 matching for can_fetch():
    ``*`` and ``$`` wildcards, the longest matching rule wins, Allow wins a tie.

    (urllib.robotparser matches plain prefixes in file order and normalizes ``/*?`` to ``/*``,
    so ``Disallow: /*?`` would forbid the whole site.)
    """

    def __init__(self, url: str = "") -> None:
        super().__init__(url)
        self.groups: list[tuple[list[str], list[tuple[bool, str]]]] = []

    def parse(self, lines: list[str]) -> None:  # type: ignore[override]
        super().parse(lines)
        self.groups = []
        agents: list[str] = []
        rules: list[tuple[bool, str]] = []
        for raw in lines:
            field, _, value = raw.split("#", 1)[0].partition(":")
            field, value = field.strip().lower(), value.strip()
            if field == "user-agent":
                if rules:  # a user-agent line after rules starts a new group
                    agents, rules = [], []
                if not agents:
                    self.groups.append((agents, rules))
                agents.append(value.lower())
            elif field in ("allow", "disallow") and agents and value:
                rules.append((field == "allow", urllib.parse.unquote(value)))

    def can_fetch(self, useragent: str, url: str) -> bool:
        if self.disallow_all:
            return False
        if self.allow_all:
            return True
        if not self.last_checked:
            return False
        parts = urllib.parse.urlsplit(urllib.parse.unquote(url))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        token = useragent.lower().split("/")[0]
        rules = [r for agents, rs in self.groups if token in agents for r in rs]
        if not any(token in agents for agents, _ in self.groups):
            rules = [r for agents, rs in self.groups if "*" in agents for r in rs]
        best: tuple[int, bool] = (-1, True)
        for allowance, pattern in rules:
            if _rule_regex(pattern).match(target):
                best = max(best, (len(pattern), allowance))
        return best[1]


def _rule_regex(pattern: str) -> re.Pattern[str]:
    anchored = pattern.endswith("$")
    body = ".*".join(re.escape(piece) for piece in pattern.rstrip("$").split("*"))
    return re.compile(body + ("$" if anchored else ""))


class RobotsPolicy:
    """robots.txt rules of each host, fetched on first use and kept for the life of the client."""

    def __init__(self, client: HttpClient, agent: str = ROBOTS_AGENT) -> None:
        self.client = client
        self.agent = agent
        self._parsers: dict[str, RobotRules] = {}
        self._problems: dict[str, str] = {}
        self._lock = threading.Lock()

    def check(self, url: str, source: str | None = None) -> float:
        """The host's Crawl-delay in seconds (0 if none); raise if robots.txt disallows ``url``."""
        root = _root(url)
        with self._lock:
            if root not in self._parsers:
                self._parsers[root] = self._load(root)
        parser = self._parsers[root]
        if not parser.can_fetch(self.agent, url):
            if root in self._problems:  # the site could not be reached: a network problem, not a refusal
                raise FetchError(f"not reading {url}: {self._problems[root]}", source=source)
            raise RobotsDisallowedError(f"not reading {url}: {root}robots.txt disallows it", source=source)
        delay = parser.crawl_delay(self.agent)
        return float(delay) if delay else 0.0

    def _load(self, root: str) -> RobotRules:
        robots_url = root + "robots.txt"
        parser = RobotRules(robots_url)
        host = urllib.parse.urlsplit(root).netloc
        settings = self.client.settings
        self.client._wait_for_host(host, self.client._host_interval(host, None))
        try:
            response = self.client.session.get(
                robots_url, timeout=(settings.connect_timeout, settings.read_timeout)
            )
        except requests.RequestException as exc:
            return self._unreachable(parser, root, describe_request_error(exc))
        log.debug("robots.txt %s -> %s", robots_url, response.status_code)
        if response.status_code >= 500:
            return self._unreachable(parser, root, f"HTTP {response.status_code}")
        if response.status_code >= 400:
            parser.allow_all = True
        else:
            parser.parse(response.text.splitlines())
        parser.modified()  # marks it read: can_fetch() answers False on a never-read parser
        return parser

    def _unreachable(self, parser: RobotRules, root: str, problem: str) -> RobotRules:
        self._problems[root] = (
            f"{root}robots.txt could not be read ({problem}); RFC 9309 says to assume the site "
            "disallows everything until it can be read"
        )
        parser.disallow_all = True
        parser.modified()
        return parser


def _root(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"
