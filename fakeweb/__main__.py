"""``python -m fakeweb [WEB_DIR]``: serve a fake web until Ctrl-C.

Prints ``export MERCHINTEL_...=...`` lines (eval them in another shell to point merchintel at
this web), the site URLs, and the path of the reports file rendered with the real port.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from pathlib import Path

from fakeweb import SAMPLE_WEB, FakeWeb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakeweb",
                                     description="Serve a fake web (HTTP + DNS on loopback) until Ctrl-C.")
    parser.add_argument("web_dir", nargs="?", default=str(SAMPLE_WEB),
                        help="web directory with hosts.json (default: the packaged sample web)")
    args = parser.parse_args(argv)
    try:
        web = FakeWeb(args.web_dir)
    except (FileNotFoundError, ValueError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    # Handlers first: a Ctrl-C (or kill) arriving while starting must still stop cleanly.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with web:
        for name, value in web.env.items():
            print(f"export {name}={value}")
        print(f"# HTTP on port {web.http_port} of 127.0.0.1 and {', '.join(sorted(web.data.loopback_ips() - {'127.0.0.1'})) or 'no other address'}")
        for host in web.sites():
            print(f"# {web.url(host)}")
        with tempfile.TemporaryDirectory(prefix="merchintel-fakeweb-") as tmp:  # removed on exit
            if (web.web_dir / "reports.csv").is_file():
                print(f"# reports: {web.render_reports(Path(tmp) / 'reports.csv')}")
            print("# Ctrl-C to stop", flush=True)
            while not stop.wait(0.5):
                pass
        print("# stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
