"""``merchintel``: the command line.

One click group; each area adds its commands in its own module:

    merchintel/cli/extract.py   extract
    merchintel/cli/crawl.py     crawl, demo, serve-sample
    merchintel/cli/enrich.py    enrich, dns, whois, contacts
    merchintel/cli/graph.py     clusters, links, export
    merchintel/cli/alerts.py    schedule, run-due, watch, history, alerts
    merchintel/cli/browse.py    browse (Datasette)

Results go to stdout (so ``--format json`` output can be piped); progress, logs and
errors go to stderr.  Known errors (``crawler.errors.MerchintelError``) become one line
``Error: …`` and exit status 1.
"""

from __future__ import annotations

import sys

import click

from crawler.errors import MerchintelError


class Group(click.Group):
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


# Commands register themselves on `main` when their module is imported.
from merchintel.cli import extract as _extract  # noqa: E402,F401
from merchintel.cli import crawl as _crawl  # noqa: E402,F401
from merchintel.cli import enrich as _enrich  # noqa: E402,F401
from merchintel.cli import graph as _graph  # noqa: E402,F401
from merchintel.cli import alerts as _alerts  # noqa: E402,F401
from merchintel.cli import browse as _browse  # noqa: E402,F401
from merchintel.cli import distributed as _distributed  # noqa: E402,F401
from merchintel.cli import ads as _ads  # noqa: E402,F401


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
