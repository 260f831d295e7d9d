"""Distributed crawling: a Redis queue of reported sites, workers on many machines.

The unit of work is a **site** (the reports of one registered domain), not a request:
``merchintel enqueue`` pushes one JSON job per site onto ``<queue>:sites``; each
``merchintel worker`` moves jobs atomically (``LMOVE``) from there to its own
``<queue>:processing:<worker>`` list and crawls the whole site itself, with the same
spider logic, never-media layers, SSRF guard and per-site page budget as
``merchintel crawl``.  A site is therefore crawled by exactly one worker, and its pages,
budget and final status stay consistent.  A job leaves the processing list only after the
worker has committed the site's rows to its SQLite file (``SiteDoneItem``); the jobs of a
worker that stops are put back, those of a worker that dies (no heartbeat for
``HEARTBEAT_TTL`` seconds) are taken back by the next live worker.

Each worker writes its own SQLite file (``--db``): SQLite must not be shared over a
network filesystem.  ``merge_dbs`` (``merchintel merge``) folds worker files into one
database idempotently — first-seen keeps the earliest value, last-seen the latest.
Workers on one machine may also share one file (WAL, 30 s busy timeout).

Redis keys (``<queue>`` defaults to ``merchintel``)::

    <queue>:sites                 list of site jobs (JSON), LPUSH in, LMOVE out
    <queue>:processing:<worker>   jobs a worker holds
    <queue>:requests:<worker>     scrapy-redis scheduler queue of that worker (JSON, no pickle)
    <queue>:dupefilter:<worker>   scrapy-redis dupefilter of that worker
    <queue>:workers               set of worker ids
    <queue>:alive:<worker>        heartbeat (expires after HEARTBEAT_TTL seconds)

>>> keys = QueueKeys("team1")
>>> keys.sites, keys.processing("w1")
('team1:sites', 'team1:processing:w1')
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import socket
from dataclasses import asdict, dataclass
from typing import Any, Iterable

from crawler import schema
from crawler.clock import now_iso
from crawler.errors import ConfigError
from crawler.inputs import Report
from crawler.items import SiteDoneItem
from crawler.pipelines import StorePipeline

JOB_VERSION = 1
HEARTBEAT_INTERVAL = 5.0     # seconds between a worker's heartbeats
HEARTBEAT_TTL = 20           # seconds without a heartbeat before a worker counts as dead (--heartbeat-ttl)
POLL_INTERVAL = 0.2          # seconds between two looks at an empty queue
QUEUE_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
WORKER_RE = QUEUE_RE


def check_name(value: str, what: str) -> str:
    """A queue or worker name: letters, digits, ``_ . : -`` (no ``%``: scrapy-redis formats keys).

    >>> check_name("team-1", "queue")
    'team-1'
    >>> check_name("a b", "queue")
    Traceback (most recent call last):
    ...
    crawler.errors.ConfigError: queue name 'a b' may only hold letters, digits and _ . : -; pick another.
    """
    if not QUEUE_RE.match(value or ""):
        raise ConfigError(f"{what} name {value!r} may only hold letters, digits and _ . : -; pick another.")
    return value


@dataclass(frozen=True)
class QueueKeys:
    prefix: str = "merchintel"

    @property
    def sites(self) -> str:
        return f"{self.prefix}:sites"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    def processing(self, worker: str) -> str:
        return f"{self.prefix}:processing:{worker}"

    def requests(self, worker: str) -> str:
        return f"{self.prefix}:requests:{worker}"

    def dupefilter(self, worker: str) -> str:
        return f"{self.prefix}:dupefilter:{worker}"

    def alive(self, worker: str) -> str:
        return f"{self.prefix}:alive:{worker}"

    def all_keys(self, server: Any) -> list[bytes]:
        return list(server.scan_iter(match=f"{self.prefix}:*"))


# ---- jobs --------------------------------------------------------------------------------
def site_jobs(reports: Iterable[Report], *, case: str, input_name: str) -> list[dict[str, Any]]:
    """One job per registered domain, its reports in input order.

    >>> jobs = site_jobs([Report("http://shop-a.se/", 1), Report("http://www.shop-a.se/x", 2),
    ...                   Report("http://shop-b.com/", 3)], case="c1", input_name="in.txt")
    >>> [(j["domain"], len(j["reports"])) for j in jobs]
    [('shop-a.se', 2), ('shop-b.com', 1)]
    """
    by_domain: dict[str, list[Report]] = {}
    for r in reports:
        by_domain.setdefault(r.domain, []).append(r)
    now = now_iso()
    return [{"v": JOB_VERSION, "id": secrets.token_hex(8), "case": case, "domain": domain,
             "input": input_name, "enqueued_at": now, "reports": [asdict(r) for r in rs]}
            for domain, rs in by_domain.items()]


def encode_job(job: dict[str, Any]) -> bytes:
    return json.dumps(job, ensure_ascii=False, sort_keys=True).encode("utf-8")


def decode_job(raw: bytes) -> dict[str, Any]:
    """The job in ``raw``; ValueError naming what is wrong (a foreign or broken entry)."""
    job = json.loads(raw)
    if not isinstance(job, dict) or job.get("v") != JOB_VERSION:
        raise ValueError("not a merchintel site job (version field)")
    if not job.get("domain") or not isinstance(job.get("reports"), list) or not job["reports"]:
        raise ValueError("a site job needs a domain and at least one report")
    job["reports"] = [Report(**r) for r in job["reports"]]
    return job


def requeue(server: Any, keys: QueueKeys, worker: str) -> int:
    """Move every job ``worker`` holds back to the front of the queue; returns how many."""
    moved = 0
    while server.lmove(keys.processing(worker), keys.sites, "RIGHT", "RIGHT") is not None:
        moved += 1
    return moved


def reclaim_dead(server: Any, keys: QueueKeys, *, me: str | None = None) -> int:
    """Put back the jobs of workers whose heartbeat expired; forget those workers."""
    moved = 0
    for raw in server.smembers(keys.workers):
        worker = raw.decode()
        if worker == me or server.exists(keys.alive(worker)):
            continue
        moved += requeue(server, keys, worker)
        server.delete(keys.requests(worker), keys.dupefilter(worker))
        server.srem(keys.workers, worker)
    return moved


def default_worker_id() -> str:
    host = re.sub(r"[^A-Za-z0-9_.-]", "-", socket.gethostname())[:60] or "host"
    return f"{host}-{os.getpid()}"


# ---- scheduler serializer: JSON, never pickle ---------------------------------------------
class JsonRequestSerializer:
    """scrapy-redis serializer for ``Request.to_dict()``: JSON with tagged bytes and dicts.

    Pickle (scrapy-redis' default) would run code from whoever can write to Redis on every
    worker; JSON cannot.  Bytes become ``{"$b": base64}``, dicts with non-string keys
    ``{"$d": [[k, v], ...]}``.

    >>> s = JsonRequestSerializer()
    >>> s.loads(s.dumps({"headers": {b"Referer": [b"http://a.se/"]}, "meta": {"depth": 1}}))
    {'headers': {b'Referer': [b'http://a.se/']}, 'meta': {'depth': 1}}
    """

    def dumps(self, obj: Any) -> bytes:
        return json.dumps(self._enc(obj), separators=(",", ":")).encode("utf-8")

    def loads(self, data: bytes) -> Any:
        return self._dec(json.loads(data))

    def _enc(self, o: Any) -> Any:
        if isinstance(o, (bytes, bytearray)):
            return {"$b": base64.b64encode(bytes(o)).decode("ascii")}
        if isinstance(o, dict):
            if all(isinstance(k, str) and not k.startswith("$") for k in o):
                return {k: self._enc(v) for k, v in o.items()}
            return {"$d": [[self._enc(k), self._enc(v)] for k, v in o.items()]}
        if isinstance(o, (list, tuple)):
            return [self._enc(v) for v in o]
        if o is None or isinstance(o, (str, int, float, bool)):
            return o
        raise TypeError(f"cannot queue a request whose dict holds a {type(o).__name__}")

    def _dec(self, o: Any) -> Any:
        if isinstance(o, dict):
            if set(o) == {"$b"}:
                return base64.b64decode(o["$b"])
            if set(o) == {"$d"}:
                return {self._dec(k): self._dec(v) for k, v in o["$d"]}
            return {k: self._dec(v) for k, v in o.items()}
        if isinstance(o, list):
            return [self._dec(v) for v in o]
        return o


JSON_SERIALIZER = JsonRequestSerializer()


# ---- pipeline ----------------------------------------------------------------------------
@dataclass
class JobItem:
    """A site job a worker started: its reports are stored before its pages."""
    domain: str
    case: str
    input_name: str
    reports: list[Report]


class DistributedStorePipeline(StorePipeline):
    """StorePipeline + report rows per job, the job's case on every row, ack after commit
    (so its rows are written in the crawl process: no store writer)."""

    WRITER = False

    def process_item(self, item: Any, spider: Any = None) -> Any:
        spider = spider or self.crawler.spider
        store = self.store
        assert store is not None
        if isinstance(item, JobItem):
            store.case_name = item.case
            now = now_iso()
            for r in item.reports:
                store.upsert(schema.REPORTS, {
                    "key": r.key(item.case), "url": r.url, "report_id": r.report_id, "case_name": item.case,
                    "reported_at": r.reported_at, "source": r.source, "referrer": r.referrer,
                    "domain": r.domain, "input_name": item.input_name, "line_no": r.line_no,
                    "first_seen": now, "last_seen": now, "run_id": self.run_id})
            store.commit()
            return item
        site = getattr(item, "site", None) or getattr(item, "domain", None)
        case = getattr(spider, "site_case", {}).get(site)
        if case:
            store.case_name = case
        out = super().process_item(item, spider)
        if isinstance(item, SiteDoneItem) and hasattr(spider, "ack"):
            store.commit()            # the rows are durable before the job leaves Redis
            spider.ack(item.domain)
        return out


