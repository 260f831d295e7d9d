"""Checksum primitives: the libraries we use against the hand-written code they replaced.

    .venv/bin/python bench/checksums_bench.py [--seconds 0.5] [--baseline REV] [--junk 5000]

The baseline is ``crawler/extractors/checksums.py`` and ``crypto.py`` as they were before the
libraries came in, read from git (by default the last revision whose checksums.py still holds
the pure-Python Keccak; ``--baseline REV`` picks another).  Both run in this process over the
same inputs:

* calls per second of each primitive the extractors use: Keccak-256, EIP-55, Base58Check,
  segwit (bech32/bech32m), CashAddr, Monero addresses, IBAN, BIC, Luhn;
* a hostile page: ``--junk`` mixed-case ``0x`` tokens that fail EIP-55 and then one real
  address, through ``crypto.extract``: MB/s, and whether the real address is found (the old
  code checked at most 1000 tokens a page, so it was not).

Prints one line per primitive with both rates and the ratio new/old (> 1: the library is faster).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extractors import checksums as new_cs  # noqa: E402
from crawler.extractors import crypto as new_crypto  # noqa: E402
from crawler.extractors.model import Page  # noqa: E402

CHECKSUMS = "crawler/extractors/checksums.py"
CRYPTO = "crawler/extractors/crypto.py"

ETH = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
XMR = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
CASES = [  # (label, function name, arguments)
    ("keccak256 (40 bytes)", "keccak256", (b"5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",)),
    ("eip55_ok", "eip55_ok", (ETH,)),
    ("base58check_decode", "base58check_decode", ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",)),
    ("segwit_decode (v1, bech32m)", "segwit_decode",
     ("bc", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0")),
    ("segwit_decode (v0, bech32)", "segwit_decode", ("bc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")),
    ("cashaddr_decode", "cashaddr_decode", ("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",)),
    ("monero_address_decode", "monero_address_decode", (XMR,)),
    ("iban_canonical", "iban_canonical", ("SE45 5000 0000 0583 9825 7466",)),
    ("bic_ok", "bic_ok", ("DEUTDEFF500",)),
    ("luhn_ok", "luhn_ok", ("79927398713",)),
]


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def baseline_rev() -> str:
    """The newest revision whose checksums.py has the hand-written Keccak."""
    for rev in git("log", "--format=%H", "--", CHECKSUMS).split():
        if "_keccak_f1600" in git("show", f"{rev}:{CHECKSUMS}"):
            return rev
    raise LookupError("no revision of checksums.py with the hand-written Keccak")


def load_old(rev: str) -> tuple[types.ModuleType, types.ModuleType]:
    """The old checksums and crypto modules, the old crypto wired to the old checksums."""
    old_cs = types.ModuleType("old_checksums")
    exec(compile(git("show", f"{rev}:{CHECKSUMS}"), f"{rev}:{CHECKSUMS}", "exec"), old_cs.__dict__)
    old_crypto = types.ModuleType("old_crypto")
    exec(compile(git("show", f"{rev}:{CRYPTO}"), f"{rev}:{CRYPTO}", "exec"), old_crypto.__dict__)
    old_crypto.cs = old_cs  # its functions read the global at call time
    return old_cs, old_crypto


def rate(fn, args, seconds: float) -> float:
    """Calls per second, over at least ``seconds`` of CPU time."""
    n, t0 = 0, time.process_time()
    while True:
        for _ in range(50):
            fn(*args)
        n += 50
        spent = time.process_time() - t0
        if spent >= seconds:
            return n / spent


def hostile_page(junk: int) -> str:
    tokens = (f"0x{i:034d}aBcDeF" for i in range(junk * 2))
    bad = [t for t in tokens if not new_cs.eip55_ok(t)][:junk]
    return "<p>" + " ".join(bad) + f"</p><p>Pay ETH to {ETH}</p>"


def extract_page(crypto_module, text: str) -> tuple[float, bool]:
    t0 = time.process_time()
    ids = list(crypto_module.extract(Page(text)))
    spent = time.process_time() - t0
    return len(text) / 1e6 / spent, any(i.value == ETH.lower() for i in ids)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=0.5, help="CPU seconds per primitive and side")
    ap.add_argument("--baseline", default=None, help="git revision of the hand-written code")
    ap.add_argument("--junk", type=int, default=5000, help="junk 0x tokens before the real address")
    args = ap.parse_args()
    try:
        rev = args.baseline or baseline_rev()
        old_cs, old_crypto = load_old(rev)
        print(f"baseline: hand-written checksums at {git('rev-parse', '--short', rev).strip()}")
    except (LookupError, subprocess.CalledProcessError, OSError) as exc:
        print(f"baseline not available ({exc}): library figures only")
        old_cs = old_crypto = None

    print(f"{'primitive':30} {'library calls/s':>16} {'hand-written':>14} {'ratio':>8}")
    for label, name, fargs in CASES:
        new = rate(getattr(new_cs, name), fargs, args.seconds)
        old_fn = getattr(old_cs, name, None) if old_cs else None
        if old_fn is None:
            print(f"{label:30} {new:16,.0f} {'-':>14} {'-':>8}")
            continue
        assert bool(old_fn(*fargs)) == bool(getattr(new_cs, name)(*fargs)), label
        old = rate(old_fn, fargs, args.seconds)
        print(f"{label:30} {new:16,.0f} {old:14,.0f} {new / old:7.1f}x")

    page = hostile_page(args.junk)
    print(f"\nhostile page: {args.junk} junk mixed-case 0x tokens, then one real EIP-55 address "
          f"({len(page) / 1e6:.2f} MB), crypto.extract:")
    mbps, hit = extract_page(new_crypto, page)
    print(f"  library:      {mbps:6.2f} MB/s, real address found: {'yes' if hit else 'NO'}")
    if old_crypto is not None:
        mbps_old, hit_old = extract_page(old_crypto, page)
        print(f"  hand-written: {mbps_old:6.2f} MB/s, real address found: {'yes' if hit_old else 'NO'}"
              f"  (at most {getattr(old_crypto, 'MAX_KECCAK_CHECKS', '?')} checks a page)")
        print(f"  ratio library/hand-written: {mbps / mbps_old:.1f}x")


if __name__ == "__main__":
    main()
