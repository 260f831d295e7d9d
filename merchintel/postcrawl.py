"""After a crawl: enrichment of the crawled sites, then alert evaluation.

Enrichment files its facts under the crawl's run id, so a run's DNS/WHOIS observations
sit beside its page observations.  A step that fails at run time is reported on stderr
and does not undo what the crawl stored; a missing module is an installation error and
is raised like any other.
"""

from __future__ import annotations

from typing import Any, Callable

from crawler import schema
from crawler.config import Config
from enrich.run import enrich_sites
from crawler.clock import now_iso
from graph.ad_alerts import ad_alerts, store_ad_alerts
from graph.ads import refresh_ads
from merchintel.alerting import evaluate
from merchintel.sinks import deliver
from spiders.listing import platform_domains


def run_postcrawl(cfg: Config, run_id: str, domains: list[str], *, note: Callable[[str], None],
                  progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Enrich ``domains`` then evaluate alerts for ``run_id``; returns what each step returned."""
    out: dict[str, Any] = {}
    if domains:
        db = schema.open_db(cfg.db)
        try:
            out["enrich"] = enrich_sites(db, cfg, domains=domains, refresh=False, progress=progress or note,
                                         run_id=run_id)
        except Exception as exc:  # a failed enrichment is reported; the crawl stays stored
            note(f"Error: enrichment failed ({type(exc).__name__}: {exc}); the crawl is stored; "
                 f"run `merchintel enrich` again later.")
        finally:
            db.conn.close()
    db = schema.open_db(cfg.db)
    try:
        alerts = evaluate(db, cfg, run_id=run_id)
        out["alerts"] = list(alerts or [])
    except Exception as exc:
        note(f"Error: alert evaluation failed ({type(exc).__name__}: {exc}); the crawl is stored.")
    finally:
        db.conn.close()
    return out


def crawled_domains(cfg: Config, run_id: str) -> list[str]:
    db = schema.open_db(cfg.db)
    try:
        return [r[0] for r in db.execute(
            f"SELECT domain FROM [{schema.SITES}] WHERE last_run_id = ? ORDER BY domain", [run_id]).fetchall()]
    finally:
        db.conn.close()


def run_ads(cfg: Config, run_id: str, *, note: Callable[[str], None]) -> dict[str, Any]:
    """Ad rows, ties and clusters of the listing platforms after a crawl (graph/ads.py)."""
    db = schema.open_db(cfg.db)
    try:
        marked = {r[0] for r in db.execute(f"SELECT DISTINCT domain FROM [{schema.REPORTS}] WHERE platform = 1 "
                                           f"AND case_name = ?", [cfg.get("case")])}
        platforms = platform_domains(cfg.get("platforms")) | marked
        out = refresh_ads(db, platforms=platforms, case=cfg.get("case"), run_id=run_id,
                          similarity=cfg.get("ad_similarity"), text_days=cfg.get("ad_text_days"))
        if out.get("ads"):
            row = db.execute(f"SELECT started_at FROM [{schema.RUNS}] WHERE id = ?", [run_id]).fetchone()
            alerts = ad_alerts(db, since=(row[0] if row and row[0] else now_iso(cfg)), now=now_iso(cfg),
                               run_id=run_id, min_ads=cfg.get("ad_alert_ads"),
                               min_platforms=cfg.get("ad_alert_platforms"))
            store_ad_alerts(db, alerts)
            out["alerts"] = alerts
            try:
                deliver(db, cfg, alerts)
            except Exception as exc:  # a broken sink never loses a stored alert; retried next run
                note(f"alerts: delivery failed ({exc}); stored alerts are retried next run")
        return out
    except Exception as exc:
        note(f"Error: ad linking failed ({type(exc).__name__}: {exc}); the crawl is stored; "
             f"run `merchintel ads` to try again.")
        return {}
    finally:
        db.conn.close()
