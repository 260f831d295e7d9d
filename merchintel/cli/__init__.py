"""``merchintel``: the command line.

One click group; each area adds its commands in its own module, loaded only when one of
its commands runs or shows its help (``COMMANDS`` below), so ``merchintel --help`` and a
small command do not pay for Scrapy, Twisted, Redis or networkx:

    merchintel/cli/extract.py   extract
    merchintel/cli/crawl.py     crawl, demo, serve-sample
    merchintel/cli/enrich.py    enrich, dns, whois, contacts
    merchintel/cli/graph.py     clusters, links, export
    merchintel/cli/alerts.py    schedule, run-due, watch, history, alerts
    merchintel/cli/browse.py    browse (Datasette)
    merchintel/cli/evidence.py  evidence, verify, purge
    merchintel/cli/ads.py       ads, phones

Results go to stdout (so ``--format json`` output can be piped); progress, logs and
errors go to stderr.  Known errors (``crawler.errors.MerchintelError``) become one line
``Error: …`` and exit status 1.
"""

from __future__ import annotations

import importlib
import sys

import click

from crawler.errors import MerchintelError

# Every command: the module (merchintel/cli/<module>.py) that defines it, and its one-line
# summary for `merchintel --help`, so listing the commands imports none of them.  A new
# command gets a row here (else it never loads); tests/test_cli_lazy.py checks the rows
# against the commands themselves.
COMMANDS: dict[str, tuple[str, str]] = {
    "ads": ("ads", "List ad clusters of listing platforms: ads tied by a shared number or handle, or written from "
                   "one text."),
    "alerts": ("alerts", "List raised alerts: domain hops, payment changes, sites down/back, new domains in a cluster."),
    "browse": ("browse", "Open the database in Datasette (read-only, on 127.0.0.1), with every table and column "
                         "described from crawler/schema.py."),
    "clusters": ("graph", "Operator clusters: sites tied by shared identifiers, with stable ids."),
    "contacts": ("enrich", "Whom to notify about DOMAIN: registrar abuse, hosting network abuse, AS abuse, "
                           "payment processors."),
    "crawl": ("crawl", "Crawl reported URLs (text only) and store pages, identifiers and errors."),
    "demo": ("crawl", "Crawl the built-in sample web (served on loopback), enrich, link and alert."),
    "dns": ("enrich", "Ask the DNS about NAME (ad hoc, nothing stored): records, then hosting of its addresses."),
    "enqueue": ("distributed", "Put reported URLs on the Redis queue for `merchintel worker`s to crawl."),
    "enrich": ("enrich", "Enrich sites in the database: DNS, hosting (ASN, country, CDN), RDAP/WHOIS, abuse contacts."),
    "evidence": ("evidence", "A page's (URL) or a site's (DOMAIN) evidence captures and their hashes, newest first."),
    "export": ("graph", "Export the graph (read-only) as json, gexf, graphml, csv, stix or html, or the evidence "
                        "captures as WARC."),
    "extract": ("extract", "Extract identifiers and metadata from one saved page (FILE, or - for stdin), offline."),
    "find": ("graph", "Every site and case carrying VALUE (wallet, account, phone, e-mail, handle, tracker, "
                      "any kind)."),
    "history": ("alerts", "Show what changed for a site between crawls (status, redirects, identifiers, IPs, NS, "
                          "registrar)."),
    "links": ("graph", "What ties DOMAIN to other sites, strongest first (score, shared values, weights)."),
    "merge": ("distributed", "Fold worker databases (SOURCES) into one (--into); running it again changes nothing."),
    "phones": ("ads", "List phone numbers recurring across ads: ads, platforms, locations, first and last seen."),
    "purge": ("evidence", "Remove old captures and what only they support, then VACUUM (secure delete is on)."),
    "queue": ("distributed", "Show the Redis queue: sites waiting, workers, the sites each one holds."),
    "rdap-bootstrap": ("enrich", "Show (or --refresh) the shipped IANA RDAP bootstrap snapshot that picks RDAP "
                                 "servers."),
    "run-due": ("alerts", "Crawl and enrich every tracked site that is due, then evaluate alerts."),
    "schedule": ("alerts", "Re-crawl intervals of tracked sites, per case or per site (default MERCHINTEL_EVERY, "
                           "24h)."),
    "verify": ("evidence", "Recompute every stored hash (capture texts and records, certificates, audited exports)."),
    "watch": ("alerts", "Keep running run-due until stopped (SIGTERM or Ctrl-C finish the current crawl first)."),
    "whois": ("enrich", "Registration of DOMAIN: RDAP first, WHOIS (port 43) where RDAP is missing or fails."),
    "whois-servers": ("enrich", "Show (or --refresh) the shipped TLD -> WHOIS server snapshot that picks port-43 "
                                "servers."),
    "worker": ("distributed", "Crawl sites from the Redis queue into --db until Ctrl-C (or --idle-exit)."),
}


class Group(click.Group):
    """The ``merchintel`` group: commands load lazily; known errors become one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            # The one run-time import of the CLI (lazy loading): the module registers its
            # commands on `main` as it is imported.
            importlib.import_module(f"merchintel.cli.{COMMANDS[cmd_name][0]}")
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help`` from ``COMMANDS``, without importing a command module."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            cmd = self.commands.get(name)
            if cmd is not None:
                if cmd.hidden:
                    continue
                rows.append((name, cmd.get_short_help_str(limit)))
            else:
                rows.append((name, click.utils.make_default_short_help(COMMANDS[name][1], limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MerchintelError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="merchintel")
def main() -> None:
    """merchintel: the money-and-contact trail of reported sites, text only.

    Crawl reported URLs (never fetching media), extract payment accounts, wallets,
    phones, e-mails, messengers and trackers, enrich with DNS/hosting/WHOIS, link sites
    into operator clusters, export the graph and raise domain-hop alerts.
    """


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
