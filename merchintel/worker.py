"""The Redis worker's loop and the queue's administration (enqueue, status, requeue, merge).

What the distributed spider and its pipeline share (queue keys, the job format, the JSON
request serializer, ``DistributedStorePipeline``) lives below in ``crawler/distributed.py``;
this module starts workers and administers the queue on top of it.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import warnings
from pathlib import Path
from typing import Any, Iterable

import redis
from scrapy.crawler import CrawlerProcess

from crawler import schema
from crawler.clock import new_run_id
from crawler.config import Config
from crawler.distributed import (HEARTBEAT_TTL, JSON_SERIALIZER, QueueKeys, check_name, default_worker_id, encode_job,
                                 reclaim_dead, requeue)
from crawler.errors import ConfigError, StoreError
from crawler.settings import build_settings, check_first_law, make_offline
from merchintel.runner import finish_run, prepare_run, summarize
from spiders.distributed import DistributedSiteSpider


# ---- Redis -------------------------------------------------------------------------------
def connect(url: str) -> Any:
    """A redis client for ``url``, checked with PING; ConfigError when Redis does not answer."""
    try:
        server = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
        server.ping()
    except ValueError as exc:
        raise ConfigError(f"MERCHINTEL_REDIS_URL={url!r} is not a Redis URL ({exc}); "
                          f"use redis://host:port/db.") from exc
    except redis.RedisError as exc:
        raise ConfigError(f"cannot reach Redis at {_safe_url(url)} ({exc}); start Redis or point "
                          f"--redis-url / MERCHINTEL_REDIS_URL at it.") from exc
    try:
        version = server.info("server").get("redis_version", "0")
    except redis.RedisError:
        version = "0"
    if tuple(int(x) for x in re.findall(r"\d+", str(version))[:2]) < (6, 2):
        raise ConfigError(f"Redis at {_safe_url(url)} is version {version}; merchintel needs 6.2 or newer "
                          f"(LMOVE); upgrade Redis.")
    return server



def _safe_url(url: str) -> str:
    """The URL without its password (it goes to stderr)."""
    return re.sub(r"//[^@/]*@", "//***@", url)



def enqueue(server: Any, keys: QueueKeys, jobs: list[dict[str, Any]]) -> int:
    """Push ``jobs`` (one transaction); returns the queue length afterwards."""
    if not jobs:
        return int(server.llen(keys.sites))
    with server.pipeline() as pipe:
        for job in jobs:
            pipe.lpush(keys.sites, encode_job(job))
        pipe.llen(keys.sites)
        return int(pipe.execute()[-1])



def queue_status(server: Any, keys: QueueKeys) -> dict[str, Any]:
    workers = sorted(w.decode() for w in server.smembers(keys.workers))
    return {"queue": keys.prefix, "sites_waiting": int(server.llen(keys.sites)),
            "workers": [{"worker": w, "alive": bool(server.exists(keys.alive(w))),
                         "sites_held": int(server.llen(keys.processing(w)))} for w in workers]}



# ---- worker ------------------------------------------------------------------------------
def worker_settings(cfg: Config, keys: QueueKeys, worker_id: str, run_id: str) -> dict[str, Any]:
    """Scrapy settings of a worker: the crawl's settings (never-media, SSRF, budget) + scrapy-redis."""
    return build_settings(
        cfg,
        MERCHINTEL_RUN_ID=run_id,
        REDIS_URL=cfg.redis_url,
        REDIS_START_URLS_KEY=keys.sites,
        SCHEDULER="scrapy_redis.scheduler.Scheduler",
        SCHEDULER_QUEUE_CLASS="scrapy_redis.queue.PriorityQueue",
        SCHEDULER_QUEUE_KEY=keys.requests(worker_id),
        SCHEDULER_DUPEFILTER_KEY=keys.dupefilter(worker_id),
        DUPEFILTER_CLASS="scrapy_redis.dupefilter.RFPDupeFilter",
        SCHEDULER_SERIALIZER=JSON_SERIALIZER,
        SCHEDULER_PERSIST=False,          # a stopped worker's jobs are requeued whole
        SCHEDULER_FLUSH_ON_START=True,    # a dead predecessor's frontier is stale
        ITEM_PIPELINES={"crawler.distributed.DistributedStorePipeline": 300},
    )



def run_worker(cfg: Config, *, queue: str = "merchintel", worker_id: str | None = None,
               idle_exit: float = 0.0, active_sites: int = 0, heartbeat_ttl: int = HEARTBEAT_TTL, verbose: int = 0,
               progress_interval: float | None = None, note: Any = None) -> dict[str, Any]:
    """Crawl site jobs from the queue into ``cfg.db`` until stopped (or idle ``idle_exit`` s)."""
    keys = QueueKeys(check_name(queue, "queue"))
    worker_id = check_name(worker_id or default_worker_id(), "worker")
    server = connect(cfg.redis_url)
    if server.exists(keys.alive(worker_id)):
        raise ConfigError(f"worker {worker_id!r} is already running on queue {keys.prefix!r}; "
                          f"pass another --worker-id.")
    # a previous worker with this id died: its jobs go back before this one takes any
    back = requeue(server, keys, worker_id) + reclaim_dead(server, keys, me=worker_id)
    if back and note:
        note(f"worker: put {back} site job(s) of stopped workers back on the queue.")
    run_id = new_run_id(cfg)
    prepare_run(cfg, f"redis:{keys.sites}", [], [], run_id=run_id, command="worker")
    extra: dict[str, Any] = {"LOG_LEVEL": "DEBUG" if verbose > 1 else "INFO" if verbose else "WARNING"}
    if active_sites:
        extra["MERCHINTEL_ACTIVE_SITES"] = int(active_sites)
    if progress_interval is not None:
        extra["MERCHINTEL_PROGRESS_INTERVAL"] = progress_interval
    settings = worker_settings(cfg, keys, worker_id, run_id) | extra
    check_first_law(settings)
    make_offline()
    # scrapy-redis 0.9 passes spider= to the stats collector, which Scrapy now deprecates
    warnings.filterwarnings("ignore", message=r"Passing a 'spider' argument to StatsCollector")
    process = CrawlerProcess(settings)
    if not verbose:
        logging.getLogger("scrapy").setLevel(logging.WARNING)
        logging.getLogger("scrapy_redis").setLevel(logging.WARNING)
    crawler = process.create_crawler(DistributedSiteSpider)
    status, stats = "failed", {}
    try:
        process.crawl(crawler, queue=keys.prefix, worker_id=worker_id, idle_exit=idle_exit,
                      heartbeat_ttl=heartbeat_ttl)
        process.start()
        raw = crawler.stats.get_stats() if crawler.stats else {}
        stats = {k.split("/", 1)[1]: v for k, v in raw.items() if k.startswith("merchintel/")}
        stats["finish_reason"] = raw.get("finish_reason")
        spider = crawler.spider
        stats["sites_total"] = getattr(spider, "jobs_started", 0)
        status = "done" if stats["finish_reason"] == "finished" else "interrupted"
    finally:
        finish_run(cfg, run_id, status, stats)
    summary = summarize(cfg, run_id, stats, input_name=f"redis:{keys.sites}",
                        reports=_count_reports(cfg, run_id), problems=0)
    summary["case"] = _cases(cfg, run_id) or cfg.case
    summary["worker"] = worker_id
    summary["queue"] = keys.prefix
    summary["status"] = status
    return summary



def _cases(cfg: Config, run_id: str) -> str:
    """The cases of the jobs a worker run crawled, comma-separated (a queue may mix cases)."""
    db = schema.open_db(cfg.db)
    try:
        return ",".join(r[0] for r in db.execute(
            f"SELECT DISTINCT case_name FROM [{schema.REPORTS}] WHERE run_id = ? ORDER BY 1", [run_id]))
    finally:
        db.conn.close()



def _count_reports(cfg: Config, run_id: str) -> int:
    db = schema.open_db(cfg.db)
    try:
        return db.execute(f"SELECT count(*) FROM [{schema.REPORTS}] WHERE run_id = ?", [run_id]).fetchone()[0]
    finally:
        db.conn.close()



# ---- merge -------------------------------------------------------------------------------
MERGE_TABLES = (schema.RUNS, schema.REPORTS, schema.SITES, schema.CASE_SITES, schema.PAGES,
                schema.IDENTIFIERS, schema.OBSERVATIONS, schema.ERRORS,
                # what workers store besides: evidence captures and their certificates, render decisions
                schema.CAPTURES, schema.CERTIFICATES, schema.RENDERS)



FIRST_COLUMNS = ("first_seen", "first_crawled", "started_at")



LAST_COLUMNS = ("last_seen", "last_crawled", "finished_at")



def _merge_sql(table: str, columns: list[str], pk: tuple[str, ...]) -> str:
    """INSERT … SELECT from the attached worker file with an upsert that is idempotent:
    first_* keep the earliest value, last_* the latest, other columns follow the newer row."""
    last = next((c for c in LAST_COLUMNS if c in columns), None)
    sets = []
    for c in columns:
        if c in pk:
            continue
        if c in FIRST_COLUMNS:
            sets.append(f"[{c}] = min(coalesce([{c}], excluded.[{c}]), coalesce(excluded.[{c}], [{c}]))")
        elif c in LAST_COLUMNS:
            sets.append(f"[{c}] = max(coalesce([{c}], excluded.[{c}]), coalesce(excluded.[{c}], [{c}]))")
        elif table == schema.SITES and c == "hostnames":
            sets.append(f"[{c}] = (SELECT json_group_array(value) FROM (SELECT value FROM json_each(coalesce("
                        f"main.[{table}].[{c}], '[]')) UNION SELECT value FROM json_each(coalesce(excluded.[{c}], "
                        f"'[]')) ORDER BY value))")
        elif last:
            sets.append(f"[{c}] = CASE WHEN coalesce(excluded.[{last}], '') >= coalesce(main.[{table}].[{last}], '') "
                        f"THEN excluded.[{c}] ELSE main.[{table}].[{c}] END")
        else:
            sets.append(f"[{c}] = excluded.[{c}]")
    cols = ", ".join(f"[{c}]" for c in columns)
    # "WHERE true" keeps SQLite's parser from reading ON CONFLICT as a join constraint
    return (f"INSERT INTO main.[{table}] ({cols}) SELECT {cols} FROM src.[{table}] WHERE true "
            f"ON CONFLICT({', '.join(f'[{c}]' for c in pk)}) DO "
            + (f"UPDATE SET {', '.join(sets)}" if sets else "NOTHING"))



def merge_dbs(target: str | Path, sources: Iterable[str | Path]) -> dict[str, Any]:
    """Fold worker databases into ``target`` (created if missing); idempotent.

    Returns {"db": target, "sources": n, "rows": {table: rows in target afterwards}}.
    A source that is not a merchintel database raises StoreError before anything is written.
    """
    target = Path(target)
    sources = [Path(s) for s in sources]
    for s in sources:
        if not s.is_file():
            raise StoreError(f"{s} does not exist; pass the worker databases to merge.")
        if s.resolve() == target.resolve():
            raise StoreError(f"{s} is the target itself; pass another --into.")
    for s in sources:   # checked read-only first: a foreign file is never written to
        try:
            ro = sqlite3.connect(f"file:{s}?mode=ro", uri=True)
            try:
                names = {r[0] for r in ro.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            finally:
                ro.close()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{s} is not a SQLite database ({exc}); pass worker databases only.") from exc
        if not {schema.RUNS, schema.PAGES} <= names:
            raise StoreError(f"{s} is not a merchintel database (no {schema.RUNS}/{schema.PAGES} table); "
                             f"pass worker databases only.")
    for s in sources:   # migrate each source to the current schema (a newer column may be missing)
        schema.open_db(s).conn.close()
    db = schema.open_db(target)
    conn = db.conn
    try:
        for s in sources:
            conn.execute("ATTACH DATABASE ? AS src", [str(s)])
            try:
                with conn:
                    for table in MERGE_TABLES:
                        spec = schema.TABLES_BY_NAME[table]
                        pk = spec.pk if isinstance(spec.pk, tuple) else (spec.pk,)
                        src_cols = {r[1] for r in conn.execute(f"PRAGMA src.table_info([{table}])")}
                        columns = [c.name for c in spec.columns if c.name in src_cols]
                        conn.execute(_merge_sql(table, columns, pk))
            finally:
                conn.execute("DETACH DATABASE src")
        rows = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in MERGE_TABLES}
    finally:
        conn.close()
    return {"db": str(target), "sources": len(sources), "rows": rows}
