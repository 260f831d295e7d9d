"""StorePipeline: the crawl's items into the SQLite evidence store.

The rows themselves are ``Store``'s (crawler/store.py: upserts, only-text cleaning,
commits).  With ``MERCHINTEL_STORE_WRITER`` on (``auto``: a machine with 2+ cores) the
pipeline hands each item to the store writer process (crawler/store_writer.py) and Scrapy's
thread goes on with the next page; otherwise, or if the writer cannot start or dies, the
pipeline runs ``Store`` in the crawl process.  Either way the rows, their order and the
commit policy are the same.
"""

from __future__ import annotations

import logging
import pickle
from typing import TYPE_CHECKING, Any

from crawler import schema, settings as crawl_settings
from crawler.config import default
from crawler.items import PageItem
from crawler.store import Store
from crawler.store_writer import StoreWriter, describe, store_writers

if TYPE_CHECKING:  # pragma: no cover
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)


class StorePipeline:
    """Scrapy pipeline around ``Store``: the store opened in open_spider, closed in
    close_spider; in the store writer process when there is one."""

    WRITER = True   # DistributedStorePipeline commits and acknowledges jobs itself: in-process

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        s = crawler.settings
        self.path = s.get("MERCHINTEL_DB")
        self.run_id = s.get("MERCHINTEL_RUN_ID")
        self.case_name = s.get("MERCHINTEL_CASE", default("case"))
        self.commit_every = s.getint("MERCHINTEL_COMMIT_EVERY", crawl_settings.MERCHINTEL_COMMIT_EVERY)
        self.use_writer = self.WRITER and bool(store_writers(
            s.get("MERCHINTEL_STORE_WRITER", crawl_settings.MERCHINTEL_STORE_WRITER)))
        self.store: Store | None = None
        self.writer: StoreWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        db = schema.open_db(self.path)   # created and migrated here, before any writer opens it
        if self.use_writer:
            try:
                self.writer = StoreWriter.start(self.path, self.run_id, self.case_name, self.commit_every,
                                                on_error=self._writer_error, on_lost=self._writer_lost)
            except (OSError, RuntimeError, ValueError) as exc:   # no process, no running loop: store in-process
                logger.warning("store writer not started (%s); storing in the crawl process", type(exc).__name__)
        if self.writer is None:
            self.store = self._open_store(db)
        else:
            db.conn.close()

    def _open_store(self, db: Any = None) -> Store:
        return Store(db or schema.open_db(self.path), run_id=self.run_id, case_name=self.case_name,
                     commit_every=self.commit_every)

    async def close_spider(self, spider: Any = None) -> None:
        if self.writer is not None:
            await self.writer.close()
            self.writer = None
        if self.store is not None:
            self.store.commit()
            self.store.db.conn.close()
            self.store = None

    def process_item(self, item: Any, spider: Any = None) -> Any:
        writer = self.writer
        if writer is not None:
            writer.put(item)
            self._lighten(item)
            if writer.full():
                return self._after_room(writer, item)
            return item
        store = self.store
        assert store is not None
        store.store_item(item)
        store.maybe_commit()
        self._lighten(item)
        return item

    @staticmethod
    def _lighten(item: Any) -> None:
        # identifiers keep only what the DB needs; the item goes on without text or capture
        if isinstance(item, PageItem):
            item.text = ""
            item.capture = None

    async def _after_room(self, writer: StoreWriter, item: Any) -> Any:
        await writer.wait_for_room()
        return item

    def _stats(self) -> Any:
        return getattr(self.crawler, "stats", None)

    def _writer_error(self, what: str, error: str) -> None:
        logger.error("could not store %s (%s); the crawl goes on", what, error)
        if self._stats() is not None:
            self._stats().inc_value("merchintel/store_errors")

    def _writer_lost(self, unacked: list[bytes]) -> None:
        """The writer died: the items it had not committed are stored here, and so is
        everything after them."""
        self.writer = None
        logger.warning("store writer stopped; storing %d item(s) it had not committed, and what follows, "
                       "in the crawl process", len(unacked))
        if self._stats() is not None:
            self._stats().inc_value("merchintel/store_writer_lost")
        self.store = store = self._open_store()
        for data in unacked:
            item = pickle.loads(data)
            try:
                store.store_item(item)
            except Exception as exc:
                self._writer_error(describe(item), f"{type(exc).__name__}: {exc}")
        store.commit()
