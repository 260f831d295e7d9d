"""DistributedSiteSpider: ReportedSiteSpider fed with site jobs from a Redis queue.

Everything that decides what is fetched and stored — link contexts, never-media layers,
SSRF guard, breadth-first priorities, per-site page budget, site status — is
ReportedSiteSpider's (spiders/reported.py) and the crawl's settings (crawler/settings.py);
this class only changes where the reports come from:

* ``start()`` keeps taking site jobs (``LMOVE <queue>:sites -> <queue>:processing:<me>``)
  while fewer than ``max_active`` sites are in flight, and idles on an empty queue; with
  ``idle_exit`` > 0 it returns after that many seconds with nothing to do, and the crawl
  ends;
* a finished site is forgotten (memory stays flat however long the worker runs) and its
  job acknowledged (``LREM``) once DistributedStorePipeline has committed it;
* scrapy-redis' ``RedisMixin`` supplies the Redis connection (REDIS_URL) and the start
  key (REDIS_START_URLS_KEY); its one-shot batch pop is replaced by the atomic move above,
  so a job is never lost between the queue and the database.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from typing import Any, AsyncIterator

from scrapy import signals
from scrapy_redis.spiders import RedisMixin
from twisted.internet import task

from crawler.distributed import (HEARTBEAT_INTERVAL, HEARTBEAT_TTL, POLL_INTERVAL, JobItem, QueueKeys, decode_job,
                                 default_worker_id, reclaim_dead, requeue)
from crawler.errors import ConfigError
from crawler.progress import SiteBudgetMiddleware
from spiders.reported import ReportedSiteSpider
from spiders.sites import SiteState, url_key

PIPELINE = "crawler.distributed.DistributedStorePipeline"


class DistributedSiteSpider(RedisMixin, ReportedSiteSpider):
    name = "distributed"

    def __init__(self, queue: str = "merchintel", worker_id: str | None = None, idle_exit: float = 0.0,
                 heartbeat_ttl: int = HEARTBEAT_TTL, **kwargs: Any):
        super().__init__(reports=(), **kwargs)
        self.keys = QueueKeys(queue)
        self.redis_key = self.keys.sites
        self.worker_id = worker_id or default_worker_id()
        self.idle_exit = float(idle_exit or 0)
        self.heartbeat_ttl = max(2, int(heartbeat_ttl))
        self.heartbeat_interval = min(HEARTBEAT_INTERVAL, self.heartbeat_ttl / 4)
        self.site_case: dict[str, str] = {}      # domain -> case, while the site is in flight
        self.site_job: dict[str, bytes] = {}     # domain -> raw job, until acknowledged
        self.deferred: deque[tuple[bytes, dict[str, Any]]] = deque()
        self.jobs_started = 0
        self.jobs_done = 0
        self._closing = False
        self._heartbeat_call: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> DistributedSiteSpider:
        # Checked before the spider exists: a refused start leaves no analysis worker or
        # browser behind.  A shared request queue or a pipeline that never acknowledges
        # would lose or split sites; `merchintel worker` sets both up.
        s = crawler.settings
        keys = QueueKeys(kwargs.get("queue") or "merchintel")
        if s.get("SCHEDULER_QUEUE_KEY") != keys.requests(kwargs.get("worker_id") or default_worker_id()) or \
                PIPELINE not in (s.getdict("ITEM_PIPELINES") or {}):
            raise ConfigError("the distributed spider runs through `merchintel worker` (per-worker Redis "
                              "keys, acknowledging pipeline); start it with that command.")
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.setup_redis(crawler)   # scrapy-redis: client from REDIS_URL, spider_idle hook
        crawler.signals.connect(spider._on_closed, signal=signals.spider_closed)
        return spider

    # ---- progress counters (ReportedSiteSpider forgets nothing; this one forgets done sites)
    @property
    def sites_total(self) -> int:
        return self.jobs_started

    @property
    def sites_done(self) -> int:
        return self.jobs_done

    # ---- the queue ---------------------------------------------------------------------
    @property
    def processing_key(self) -> str:
        return self.keys.processing(self.worker_id)

    def _heartbeat(self) -> None:
        try:
            with self.server.pipeline() as pipe:
                pipe.set(self.keys.alive(self.worker_id), json.dumps({"sites": self._active}),
                         ex=self.heartbeat_ttl)
                pipe.sadd(self.keys.workers, self.worker_id)
                pipe.execute()
            back = reclaim_dead(self.server, self.keys, me=self.worker_id)
            if back:
                self.logger.warning("put %d site job(s) of dead workers back on the queue", back)
        except Exception as exc:  # Redis away for a moment: the next beat tries again
            self.logger.warning("heartbeat to Redis failed: %s", exc)

    def _take(self) -> tuple[bytes, dict[str, Any]] | None:
        """The next startable job (a deferred one first), or None."""
        for _ in range(len(self.deferred)):
            raw, job = self.deferred.popleft()
            if not self._busy(job["domain"]):
                return raw, job
            self.deferred.append((raw, job))
        while True:
            raw = self.server.lmove(self.keys.sites, self.processing_key, "RIGHT", "LEFT")
            if raw is None:
                return None
            try:
                job = decode_job(raw)
            except (ValueError, TypeError) as exc:
                # not ours to crawl; dropped with a warning rather than retried for ever
                self.logger.warning("dropped a queue entry that is not a site job: %s", exc)
                self.server.lrem(self.processing_key, 1, raw)
                continue
            if self._busy(job["domain"]):   # same site already in flight here: after it
                self.deferred.append((raw, job))
                continue
            return raw, job

    def _busy(self, domain: str) -> bool:
        """In flight, or finished but not yet acknowledged (its rows carry its job's case)."""
        return domain in self.sites or domain in self.site_job

    async def start(self) -> AsyncIterator[Any]:

        self._heartbeat_call = task.LoopingCall(self._heartbeat)
        self._heartbeat_call.start(self.heartbeat_interval, now=True)
        last_work = time.monotonic()
        while not self._closing:
            took = False
            while self._active < self.max_active and not self._closing:
                got = self._take()
                if got is None:
                    break
                took = True
                for out in self._start_job(*got):
                    yield out
            now = time.monotonic()
            if took or self._active or self.deferred:
                last_work = now
            elif self.idle_exit > 0 and now - last_work >= self.idle_exit:
                self.logger.info("queue %s empty for %.0f s: stopping", self.keys.sites, self.idle_exit)
                return
            await asyncio.sleep(POLL_INTERVAL)

    def _start_job(self, raw: bytes, job: dict[str, Any]) -> list[Any]:
        domain, case = job["domain"], job["case"]
        reports = job["reports"]
        site = SiteState(domain)
        site.report_keys = [r.key(case) for r in reports]
        self.sites[domain] = site
        self.site_case[domain] = case
        self.site_job[domain] = raw
        self._active += 1
        self.jobs_started += 1
        self._reset_budget(domain)
        out: list[Any] = [JobItem(domain=domain, case=case, input_name=job.get("input") or "redis",
                                  reports=reports)]
        # every start request exists (and counts as pending) before the first can finish the site
        for r in reports:
            if url_key(r.url) not in site.seen:
                out.append(self._request(r.url, site, depth=0, report_id=r.report_id, referer=r.referrer,
                                         priority=1000))
        return out

    def _reset_budget(self, domain: str) -> None:
        """A long-lived worker may get the same site again (a later report): fresh budget.

        SiteBudgetMiddleware (crawler/progress.py) counts per domain for the whole process;
        a worker's process outlives many sites."""

        try:
            middlewares = self.crawler.engine.downloader.middleware.middlewares
        except AttributeError:
            return
        for mw in middlewares:
            if isinstance(mw, SiteBudgetMiddleware):
                mw.used.pop(domain, None)

    def _finish(self, site: SiteState) -> Any:
        item = super()._finish(site)
        self.sites.pop(site.domain, None)
        self.jobs_done += 1
        return item

    def ack(self, domain: str) -> None:
        """The site's rows are committed: the job leaves this worker's processing list."""
        raw = self.site_job.pop(domain, None)
        self.site_case.pop(domain, None)
        self._reset_budget(domain)   # the per-site counter would otherwise grow for ever
        if raw is not None:
            self.server.lrem(self.processing_key, 1, raw)

    # ---- closing -----------------------------------------------------------------------
    def spider_idle(self) -> None:
        """RedisMixin keeps an idle spider open; here ``start()`` decides when to stop."""
        return None

    def _on_closed(self, spider: Any, reason: str) -> None:
        self._closing = True
        if self._heartbeat_call is not None and self._heartbeat_call.running:
            self._heartbeat_call.stop()
        # unfinished sites (a Ctrl-C, a shutdown) go back whole for another worker
        back = requeue(self.server, self.keys, self.worker_id)
        if back:
            self.logger.warning("put %d unfinished site job(s) back on the queue", back)
        with self.server.pipeline() as pipe:
            pipe.delete(self.keys.alive(self.worker_id))
            pipe.srem(self.keys.workers, self.worker_id)
            pipe.execute()
