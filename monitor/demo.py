"""`billwatch demo`: the whole pipeline, offline, on recorded payloads shipped with billwatch.

The payloads in ``monitor/demo_data/`` (real captures where they exist; see its PROVENANCE.md) are
served by a web server on 127.0.0.1 (a free port) and read through the real source code: each
demo source's ``base_url`` points at that server. The demo writes a config to ``OUT/billwatch.toml``
(database ``OUT/demo.db``, the shipped health-IT rule pack, two example subscribers), scans every
source, matches the rules, renders both subscribers' digests (HTML, text, .eml) into OUT with the
baseline included, and prints a summary. Nothing leaves the machine; no API key is needed.
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
import threading
import time
import tomllib
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select

DATA = resources.files("monitor") / "demo_data"
#: the demo's example subscribers: a state chapter (every rule) and a cross-border task force (by tag)
SUBSCRIBERS = (
    {"email": "maryland-chapter@example.org", "name": "Maryland HIMSS chapter advocacy",
     "jurisdictions": ["US-MD"], "cadence": "weekly:mon"},
    {"email": "privacy-taskforce@example.org", "name": "Health data privacy and AI task force",
     "jurisdictions": ["US-*", "CA", "CA-*"], "tags": ["privacy", "data", "ai", "telehealth"],
     "cadence": "daily"},
)
CONTENT_TYPES = {".json": "application/json", ".xml": "application/xml", ".html": "text/html", ".php": "text/html"}


@dataclass
class Route:
    """One answer of the demo server: a request (method, path, query) -> a file of demo_data."""

    source: str  # the first segment of the request path; "" for a source served at the root
    path: str
    query: dict[str, str]
    file: str
    method: str = "GET"
    wrap: str | None = None

    def matches(self, method: str, path: str, query: dict[str, str]) -> bool:
        return (method == self.method and path == self.path
                and all(query.get(k) == v for k, v in self.query.items()))

    def body(self, query: dict[str, str], root: Any = DATA) -> tuple[bytes, str] | None:
        """The answer's bytes and content type (a file under ``root``); None when it does not exist."""
        try:
            name = self.file.format(**query)
        except KeyError:
            return None
        resource = root.joinpath(*name.split("/"))
        if not resource.is_file():
            return None
        content = resource.read_bytes()
        if self.wrap:
            content = self.wrap.replace("{body}", content.decode("utf-8")).encode("utf-8")
        return content, CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream")


@dataclass
class DemoSource:
    """A source of the demo: its [[source]] table and the routes that answer it."""

    name: str
    type: str
    label: str
    options: dict[str, Any]
    routes: list[Route]
    root: bool = False  # served at the server's root: its pages link to root paths ("/en/...")

    def base_url(self, server_url: str) -> str:
        return f"{server_url}/" if self.root else f"{server_url}/{self.name}/"


def load_manifest() -> list[DemoSource]:
    """The demo's sources, from demo_data/manifest.toml."""
    manifest = tomllib.loads(DATA.joinpath("manifest.toml").read_text(encoding="utf-8"))
    sources = []
    for table in manifest["source"]:
        root = bool(table.get("root", False))
        routes = []
        for spec in table["routes"]:
            path, _, query = spec["path"].partition("?")
            routes.append(Route("" if root else table["name"], path, dict(urllib.parse.parse_qsl(query)),
                                spec["file"], spec.get("method", "GET"), spec.get("wrap")))
        sources.append(DemoSource(table["name"], table["type"], table["label"], table.get("options", {}),
                                  routes, root))
    return sources


@dataclass
class ReplayServer:
    """Answers the demo sources' requests from demo_data on 127.0.0.1; remembers what it could not."""

    routes: list[Route]
    missed: list[str] = field(default_factory=list)
    root: Any = DATA  # the folder of the payloads: the shipped ones, or an editable copy (--serve)

    @contextmanager
    def running(self) -> Iterator[str]:
        """Serve in a thread; yields the server's root URL."""
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        httpd.daemon_threads = True
        thread = threading.Thread(target=httpd.serve_forever, name="demo server", daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}"
        finally:
            httpd.shutdown()
            httpd.server_close()

    def answer(self, method: str, target: str) -> tuple[int, bytes, str]:
        parts = urllib.parse.urlsplit(target)
        if parts.path == "/robots.txt":  # none: every path is allowed, as on most sites
            return 404, b"no robots.txt", "text/plain"
        full = urllib.parse.unquote(parts.path.lstrip("/"))
        source, _, path = full.partition("/")
        query = dict(urllib.parse.parse_qsl(parts.query))
        for route in self.routes:
            if (route.matches(method, path, query) if route.source == source
                    else not route.source and route.matches(method, full, query)):
                found = route.body(query, self.root)
                if found is not None:
                    return 200, *found
        self.missed.append(f"{method} {target}")
        return 404, b"not in the demo's recorded payloads", "text/plain"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                status, body, content_type = server.answer(self.command, self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _reply

            def log_message(self, *args: object) -> None:  # the demo prints its own summary
                pass

        return Handler


def write_config(out: Path, server_url: str, sources: list[DemoSource]) -> Path:
    """OUT/billwatch.toml: the demo's sources on the local server, the health-IT pack, two subscribers."""
    rules = out / "rules" / "health_it.toml"
    rules.parent.mkdir(parents=True, exist_ok=True)
    rules.write_bytes(resources.files("rules").joinpath("packs/health_it.toml").read_bytes())
    host = urllib.parse.urlsplit(server_url).netloc
    lines = [
        "# Written by `billwatch demo`: the demo's sources are served from recorded payloads on a local",
        "# web server that stops when the demo ends. Read-only commands work on it afterwards, e.g.",
        f"#   billwatch --config {out / 'billwatch.toml'} bills --matched",
        "",
        'rules = ["rules/health_it.toml"]', "",
        "[database]", 'url = "sqlite:///demo.db"', "",
        "[http]", 'contact = "billwatch-demo@example.org"', "retries = 0",
        f"per_host = {{ {_toml(host)} = 0.0 }}", "",
        "[schedule]", 'timezone = "America/New_York"', "",
        "# a local test server that prints what it receives: python -m aiosmtpd -n -l 127.0.0.1:8025",
        "[smtp]", 'host = "127.0.0.1"', "port = 8025", "starttls = false",
        'from = "Bill Watch demo <billwatch@example.org>"', "",
    ]
    for source in sources:
        table = {"name": source.name, "type": source.type, **source.options,
                 "base_url": source.base_url(server_url)}
        lines += ["[[source]]", *(f"{k} = {_toml(v)}" for k, v in table.items()), ""]
    for subscriber in SUBSCRIBERS:
        lines += ["[[subscriber]]", *(f"{k} = {_toml(v)}" for k, v in subscriber.items()), ""]
    path = out / "billwatch.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    """A TOML value for the simple values the demo writes (strings, numbers, booleans, lists)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def run_demo(out: Path, *, verbose: bool = False, serve: bool = False) -> int:
    """Run the demo into ``out``; 0 when every source worked, 3 when some failed.

    ``serve``: the payloads are served from an editable copy, ``OUT/demo_data`` (made once, kept
    by later runs), and the server stays up after the demo until SIGINT/SIGTERM, so that ``scan``
    on the demo's config reads the edited payloads.
    """
    from monitor.config import load_config
    from monitor.db import open_database
    from monitor.logs import setup_logging
    from monitor.progress import scan_progress
    from monitor.scan import scan

    started = time.monotonic()
    out = out.resolve()
    _fresh(out)
    sources = load_manifest()
    server = ReplayServer([r for s in sources for r in s.routes])
    if serve:
        server.root = _editable_copy(out / "demo_data")
    with server.running() as url:
        config = load_config(write_config(out, url, sources))
        setup_logging(verbose, secrets=config.secrets())
        with open_database(config.database.url) as database:
            progress = scan_progress()
            report = scan(config, database, progress=progress)
            progress.finish()  # type: ignore[union-attr]
            previews = _render(config, database, out)
            summary = Summary(sources, report, _matches_per_rule(database), previews, server.missed,
                              time.monotonic() - started, out)
        summary.print()
        if serve:
            _serve_until_stopped(url, out)
    return 3 if report.failed else 0


def _editable_copy(folder: Path) -> Path:
    """``folder`` holding a copy of the shipped payloads (made when missing; edits are kept)."""
    if not folder.is_dir():
        with resources.as_file(DATA) as shipped:
            shutil.copytree(shipped, folder, ignore=shutil.ignore_patterns("__pycache__", "*.py", "*.pyc"))
    return folder


def _serve_until_stopped(url: str, out: Path) -> None:
    """Keep the demo's sources answering until SIGINT or SIGTERM."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    config = out / "billwatch.toml"
    click.echo(f"Serving the demo's sources on {url} from {out / 'demo_data'} until Ctrl-C.\n"
               "Edit a payload there (a LegiScan bill is read again when its change_hash changes in\n"
               "getMasterList_MD.json too), then, in another terminal:\n"
               f"  billwatch --config {config} scan\n"
               f"  billwatch --config {config} digest --send   # to 127.0.0.1:8025: "
               "python -m aiosmtpd -n -l 127.0.0.1:8025")
    sys.stdout.flush()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fresh(out: Path) -> None:
    """A clean demo: the previous run's database and digests go; nothing else in OUT is touched."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("demo.db", "demo.db-wal", "demo.db-shm"):
        (out / name).unlink(missing_ok=True)
    for subscriber in SUBSCRIBERS:
        for suffix in (".html", ".txt", ".eml"):
            (out / f"{subscriber['email']}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(out / "rules", ignore_errors=True)


def _render(config: Any, database: Any, out: Path) -> list[Any]:
    """Both subscribers' next digests, state of play included, as .html, .txt and .eml."""
    from notifiers.preview import preview_digests

    return preview_digests(config, database, out, include_baseline=True)


def _matches_per_rule(database: Any) -> list[tuple[str, int]]:
    from monitor.models import Match

    with database.session() as session:
        rows = session.execute(select(Match.rule_id, func.count()).group_by(Match.rule_id)
                               .order_by(func.count().desc(), Match.rule_id)).all()
    return [(rule, count) for rule, count in rows]


@dataclass
class Summary:
    """What the demo did, printed as tables: sources, matches per rule, digest files."""

    sources: list[DemoSource]
    report: Any
    matches: list[tuple[str, int]]
    previews: list[Any]
    missed: list[str]
    seconds: float
    out: Path

    def print(self) -> None:
        echo = click.echo
        labels = {s.name: s.label for s in self.sources}
        echo("\nSources (recorded payloads served on 127.0.0.1, read by the real source code)")
        echo(f"  {'source':<15} {'bills':>5} {'matched':>7}  {'what was served'}")
        for item in self.report.sources:
            result = f"FAILED: {item.error}" if item.error else labels.get(item.name, "")
            echo(f"  {item.name:<15} {item.read:>5} {item.matched:>7}  {result}")
        echo(f"  {'total':<15} {sum(s.read for s in self.report.sources):>5} "
             f"{sum(s.matched for s in self.report.sources):>7}")
        echo("\nMatches per rule (shipped health-IT pack)")
        for rule, count in self.matches or [("(none)", 0)]:
            echo(f"  {rule:<28} {count:>4}")
        echo("\nDigests (state of play: baseline included)")
        for preview in self.previews:
            names = ", ".join(p.name for p in preview.files)
            bills = sum(preview.counts.get(k, 0) for k in ("new", "moving"))
            echo(f"  {preview.recipient:<32} {bills:>3} bills  {names}")
        for miss in self.missed:
            echo(f"warning: the demo has no recorded answer for {miss}", err=True)
        first = self.out / f"{SUBSCRIBERS[0]['email']}.html"
        echo(f"\nDone in {self.seconds:.1f} s. Open {first} in a browser.")
        echo(f"The demo's config is {self.out / 'billwatch.toml'}; try:\n"
             f"  billwatch --config {self.out / 'billwatch.toml'} bills --matched\n"
             f"  billwatch --config {self.out / 'billwatch.toml'} status\n"
             "LegiScan data: CC BY 4.0, LegiScan LLC. Sources of every payload: monitor/demo_data/PROVENANCE.md")
        if sys.stdout.isatty():
            echo("")
