"""The MERCHINTEL_* settings as one table.

Every setting resolves in this order: CLI flag > environment variable >
``merchintel.toml`` in the working directory > default.  The same rows feed the
click options (``envvar=``), the toml keys, the Scrapy settings and the
settings table of docs/settings.md (a test checks that every row is documented).

>>> cfg = load_config({"db": "x.sqlite"}, env={}, toml_path=None)
>>> cfg.db
'x.sqlite'
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from crawler.errors import ConfigError

TOML_FILE = "merchintel.toml"


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"{value!r} is not a yes/no value (use 1 or 0)")


def _int(value: Any) -> int:
    return int(str(value).strip())


def _float(value: Any) -> float:
    return float(str(value).strip())


def _str(value: Any) -> str:
    return str(value)


def parse_hostports(value: str | None, *, setting: str = "MERCHINTEL_NAMESERVERS") -> list[tuple[str, int]]:
    """Parse ``host:port[,host:port]`` (IPv6 as ``[::1]:53``) into pairs.

    >>> parse_hostports("127.0.0.1:5353,[::1]:53")
    [('127.0.0.1', 5353), ('::1', 53)]
    """
    if not value:
        return []
    pairs = []
    for part in str(value).split(","):
        part = part.strip()
        if not part:
            continue
        if part.startswith("["):
            host, _, rest = part[1:].partition("]")
            port_text = rest.lstrip(":")
        else:
            host, sep, port_text = part.rpartition(":")
            if not sep:
                host, port_text = part, ""
        if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f'{setting}="{value}" needs host:port, for example 127.0.0.1:5353.')
        pairs.append((host, int(port_text)))
    return pairs


TLP_LEVELS = ("clear", "green", "amber", "amber+strict", "red")


def _tlp(value: Any) -> str:
    level = str(value).strip().lower().removeprefix("tlp:")
    if level not in TLP_LEVELS:
        raise ConfigError(f'MERCHINTEL_TLP="{value}" is not a TLP 2.0 level; use one of {", ".join(TLP_LEVELS)}.')
    return level


RENDER_MODES = ("never", "auto", "always")


def _render(value: Any) -> str:
    mode = str(value).strip().lower()
    if mode not in RENDER_MODES:
        raise ConfigError(f'MERCHINTEL_RENDER="{value}" is not a render mode; use never, auto or always.')
    return mode


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: Any
    help: str
    parse: Callable[[Any], Any] = _str

    @property
    def toml_key(self) -> str:
        return self.name


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "MERCHINTEL_DB", "./merchintel.sqlite", "SQLite database file (the evidence store)."),
    Setting("nameservers", "MERCHINTEL_NAMESERVERS", None,
            "host:port[,host:port]: DNS servers for resolving every crawled host and for enrichment "
            "(default: the system's resolvers)."),
    Setting("allow_private", "MERCHINTEL_ALLOW_PRIVATE", False,
            "1 lifts the SSRF guard: allow loopback/private/reserved targets (test webs only).", _bool),
    Setting("ssrf_allow", "MERCHINTEL_SSRF_ALLOW", None,
            "Comma-separated networks (CIDR) the SSRF guard lets through while it stays on for every "
            "other private address, e.g. a lab's 10.8.0.0/16."),
    Setting("proxy", "MERCHINTEL_PROXY", None, "Outbound HTTP proxy for crawling, e.g. http://127.0.0.1:8118."),
    Setting("case", "MERCHINTEL_CASE", "default", "Case name crawled sites are tracked under."),
    Setting("depth", "MERCHINTEL_DEPTH", 2, "Link depth followed inside each reported site.", _int),
    Setting("max_pages", "MERCHINTEL_MAX_PAGES", 50, "Page budget per site (pages and same-site scripts).", _int),
    Setting("concurrency", "MERCHINTEL_CONCURRENCY", 16, "Concurrent requests in a crawl.", _int),
    Setting("timeout", "MERCHINTEL_TIMEOUT", 20.0, "Seconds before a request (connect + download) gives up.", _float),
    Setting("max_body_bytes", "MERCHINTEL_MAX_BODY_BYTES", 5_000_000,
            "Body size cap in bytes, decompressed bytes included (gzip bombs stop here).", _int),
    Setting("max_script_bytes", "MERCHINTEL_MAX_SCRIPT_BYTES", 1_000_000,
            "Size cap for same-site JavaScript/JSON files fed to the extractors.", _int),
    Setting("max_header_bytes", "MERCHINTEL_MAX_HEADER_BYTES", 65_536,
            "Cap on the bytes of one response's status line and headers; past it the connection is reset.", _int),
    Setting("max_headers", "MERCHINTEL_MAX_HEADERS", 100,
            "Cap on the number of headers of one response; past it the connection is reset.", _int),
    Setting("site_seconds", "MERCHINTEL_SITE_SECONDS", 600.0,
            "Wall-clock budget of one site's crawl in seconds; requests of a site past it are dropped.", _float),
    Setting("max_line_bytes", "MERCHINTEL_MAX_LINE_BYTES", 8192,
            "Longest input line (URL or CSV row) read, in bytes; a longer line is named and skipped.", _int),
    Setting("captures", "MERCHINTEL_CAPTURES", True,
            "Store an evidence capture of every accepted page (text-only HTML, headers, address, "
            "certificate, hashes; docs/evidence.md); 0 stores none.", _bool),
    Setting("text_cap", "MERCHINTEL_TEXT_CAP", 20_000,
            "Visible text kept per page, in bytes; 0 keeps none.", _int),
    Setting("default_region", "MERCHINTEL_DEFAULT_REGION", None,
            "Phone region (ISO 3166 alpha-2) used when neither the ccTLD nor the page language tells one."),
    Setting("user_agent", "MERCHINTEL_USER_AGENT",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0 Safari/537.36", "User-Agent header sent to crawled sites."),
    Setting("rdap_url", "MERCHINTEL_RDAP_URL", None,
            "Base URL that receives every RDAP query (instead of the IANA bootstrap's servers)."),
    Setting("whois_server", "MERCHINTEL_WHOIS_SERVER", None,
            "host:port that receives every WHOIS query (instead of the TLD's server)."),
    Setting("dns_timeout", "MERCHINTEL_DNS_TIMEOUT", 3.0, "Seconds per DNS query.", _float),
    # Rendering pages built by JavaScript (issue 12, docs/render.md).
    Setting("render", "MERCHINTEL_RENDER", "auto",
            "never, auto or always: render pages in a text-only browser (Debian's chromium) whose every "
            "request goes through merchintel's own downloader; auto renders application shells and "
            "checkout/payment/contact pages whose static text carries no identifier.", _render),
    Setting("render_seconds", "MERCHINTEL_RENDER_SECONDS", 15.0,
            "Time budget of one page's rendering in seconds; past it the page is given up (an error row).",
            _float),
    Setting("render_requests", "MERCHINTEL_RENDER_REQUESTS", 40,
            "Requests one rendered page may make through the downloader; the rest are aborted.", _int),
    Setting("chromium", "MERCHINTEL_CHROMIUM", "/usr/bin/chromium",
            "Chromium executable the renderer drives (never a browser download)."),
    # Enrichment (issue 4).
    Setting("enrich_concurrency", "MERCHINTEL_ENRICH_CONCURRENCY", 64,
            "DNS queries in flight at once during enrichment.", _int),
    Setting("whois_timeout", "MERCHINTEL_WHOIS_TIMEOUT", 10.0, "Seconds per WHOIS or RDAP query.", _float),
    Setting("whois_cache_days", "MERCHINTEL_WHOIS_CACHE_DAYS", 7.0,
            "Days a WHOIS/RDAP record is reused before it is asked again (--refresh forces).", _float),
    Setting("whois_interval", "MERCHINTEL_WHOIS_INTERVAL", 1.0,
            "Minimum seconds between two queries to the same WHOIS or RDAP server (back-off adds to it).",
            _float),
    Setting("dns_ttl_min", "MERCHINTEL_DNS_TTL_MIN", 3600,
            "Floor, in seconds, of the time a DNS answer is reused (its TTL is raised to it).", _int),
    Setting("dns_ttl_max", "MERCHINTEL_DNS_TTL_MAX", 604800,
            "Ceiling, in seconds, of the time a DNS answer is reused (its TTL is cut to it).", _int),
    Setting("redis_url", "MERCHINTEL_REDIS_URL", "redis://127.0.0.1:6379/0",
            "Redis of the distributed crawl queue (merchintel enqueue / worker / queue; scrapy-redis)."),
    # Schedule, history and alerts (issue 6).
    Setting("every", "MERCHINTEL_EVERY", "24h",
            "Default re-crawl interval of tracked sites (30m, 6h, 2d); `schedule set` overrides it per case or site."),
    Setting("jitter", "MERCHINTEL_JITTER", 0.1,
            "Random extra delay added to each next crawl, as a fraction of the interval (spreads load).", _float),
    Setting("follow_hops", "MERCHINTEL_FOLLOW_HOPS", True,
            "1 crawls a hop target (redirect or moved-notice domain never crawled) once, in the same run.", _bool),
    Setting("now", "MERCHINTEL_NOW", None,
            "Pretend the time is this (ISO UTC, or an offset such as +25h from the real time); tests and replays."),
    Setting("alert_jsonl", "MERCHINTEL_ALERT_JSONL", None, "Append every new alert as one JSON line to this file."),
    Setting("webhook_url", "MERCHINTEL_WEBHOOK_URL", None, "POST every new alert as JSON to this URL."),
    Setting("webhook_secret", "MERCHINTEL_WEBHOOK_SECRET", None,
            "Key of the HMAC-SHA256 signature header X-Merchintel-Signature: sha256=<hex> on webhook posts."),
    Setting("smtp_host", "MERCHINTEL_SMTP_HOST", None, "SMTP server that mails every new alert."),
    Setting("smtp_port", "MERCHINTEL_SMTP_PORT", 25, "SMTP port.", _int),
    Setting("smtp_from", "MERCHINTEL_SMTP_FROM", "merchintel@localhost", "Sender address of alert mails."),
    Setting("smtp_to", "MERCHINTEL_SMTP_TO", None, "Recipients of alert mails, comma-separated."),
    Setting("sink_timeout", "MERCHINTEL_SINK_TIMEOUT", 10.0,
            "Seconds a crawl waits at most for webhook/SMTP delivery; what is not sent is retried next run.",
            _float),
    Setting("stix_identity", "MERCHINTEL_STIX_IDENTITY", "merchintel",
            "Name of the organisation producing STIX bundles (their identity object and created_by_ref)."),
    # Ads of listing platforms (issue 14).
    Setting("platforms", "MERCHINTEL_PLATFORMS", None,
            "Comma-separated registered domains crawled as listing platforms (their ad pages become `ad` "
            "rows); a report row's `platform` column marks one per case; others are guessed from their structure."),
    Setting("platform_pages", "MERCHINTEL_PLATFORM_PAGES", 5000,
            "Page budget of one listing platform's crawl (instead of MERCHINTEL_MAX_PAGES); listing pages' "
            "pagination is followed without spending link depth.", _int),
    Setting("ad_similarity", "MERCHINTEL_AD_SIMILARITY", 0.35,
            "Estimated Jaccard similarity of word 5-shingles (MinHash + LSH) at which two ad texts count "
            "as written from one template.", _float),
    Setting("ad_text_days", "MERCHINTEL_AD_TEXT_DAYS", 180,
            "Days an ad's text is kept after the ad was last seen; older texts are erased (the ad row, "
            "its numbers and fingerprint stay). 0 keeps no ad text.", _int),
    Setting("ad_alert_ads", "MERCHINTEL_AD_ALERT_ADS", 10,
            "Alert when one number is on this many ads.", _int),
    Setting("ad_alert_platforms", "MERCHINTEL_AD_ALERT_PLATFORMS", 2,
            "Alert when one number is on ads of this many platforms.", _int),
    Setting("tlp", "MERCHINTEL_TLP", "amber",
            "TLP 2.0 marking of STIX bundles: clear, green, amber, amber+strict or red.", _tlp),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


def default(name: str) -> Any:
    """The default of setting ``name`` (``depth`` -> 2): the one place defaults live."""
    return SETTINGS_BY_NAME[name].default


@dataclass
class Config:
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    @property
    def nameserver_pairs(self) -> list[tuple[str, int]]:
        return parse_hostports(self.values.get("nameservers"))

    def env(self) -> dict[str, str]:
        """The settings as MERCHINTEL_* environment variables (for subprocesses)."""
        out = {}
        for s in SETTINGS:
            v = self.values.get(s.name)
            if v is None:
                continue
            out[s.env] = ("1" if v else "0") if isinstance(v, bool) else str(v)
        return out


def read_toml(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it as TOML ({exc}); fix or remove the file.") from exc
    # Accept both top-level keys and a [merchintel] table.
    section = data.get("merchintel", data)
    unknown = sorted(k for k in section if k not in SETTINGS_BY_NAME and k != "merchintel")
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: "
                          f"{', '.join(SETTINGS_BY_NAME)}.")
    return dict(section)


def load_config(cli: Mapping[str, Any] | None = None, *, env: Mapping[str, str] | None = None,
                toml_path: Path | str | None = TOML_FILE) -> Config:
    """Resolve every setting: CLI flag > environment > merchintel.toml > default.

    CLI values of ``None`` mean "flag not given".
    """
    cli = {k: v for k, v in (cli or {}).items() if v is not None}
    env = os.environ if env is None else env
    toml = read_toml(Path(toml_path) if toml_path else None)
    cfg = Config()
    for s in SETTINGS:
        if s.name in cli:
            raw, source = cli[s.name], "flag"
        elif env.get(s.env) not in (None, ""):
            raw, source = env[s.env], f"env {s.env}"
        elif s.name in toml:
            raw, source = toml[s.name], TOML_FILE
        else:
            cfg.values[s.name], cfg.sources[s.name] = s.default, "default"
            continue
        try:
            value = s.parse(raw) if raw is not None else None
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{s.env} ({source}) = {raw!r}: {exc}.") from exc
        cfg.values[s.name], cfg.sources[s.name] = value, source
    # Validate structured values early, with the setting's name in the message.
    parse_hostports(cfg.values.get("nameservers"))
    if cfg.values.get("whois_server"):
        parse_hostports(cfg.values["whois_server"], setting="MERCHINTEL_WHOIS_SERVER")
    return cfg
