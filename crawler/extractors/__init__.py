"""Extractors: one module per identifier family, each a table of patterns and a pure
``extract(page) -> Iterator[Identifier]``.

    phones.py      phone numbers (phonenumbers' matcher, E.164), tel:, JSON-LD telephone
    emails.py      e-mails: plain, mailto:, entities, obfuscations, Cloudflare data-cfemail
    messengers.py  Telegram, WhatsApp (wa.me -> kind whatsapp, E.164), Signal, Skype, ICQ,
                   Threema handles
    payments.py    PayPal, Stripe, CCBill, Epoch, SegPay, Verotel, Paxum, Perfect Money,
                   WebMoney, Skrill, Coinbase Commerce, BTCPay, Swish, Bankgiro, Plusgiro,
                   IBAN, BIC (bank_accounts.py: Swish, Bankgiro, Plusgiro, IBAN, BIC rows)
    rows.py        the Pattern/Field table engine payments and trackers share
    crypto.py      BTC, ETH, LTC, DOGE, BCH, TRX, XMR addresses (checksum-validated)
    trackers.py    analytics, ad and site-verification ids
    page_meta.py   title, meta tags, lang, canonical, og:site_name, linked domains
    checksums.py   thin never-raising wrappers over the checksum libraries (Keccak, base58,
                   bech32/bech32m, CashAddr, IBAN/BIC/Luhn) and Monero's address layout

``extract_all`` runs every family and drops repeats of the same kind and value.
"""

from __future__ import annotations

from typing import Iterable

from crawler.extractors import crypto, emails, messengers, page_meta, payments, phones, trackers
from crawler.extractors.model import Identifier, Kind, Page, snippet, strip_data_uris

FAMILIES = (payments, crypto, phones, emails, messengers, trackers)

__all__ = ["FAMILIES", "Identifier", "Kind", "Page", "extract_all", "extract_meta", "snippet",
           "strip_data_uris", "all_kinds"]


def extract_all(page: Page) -> list[Identifier]:
    """Every identifier in the page, first occurrence of each (kind, value) kept, in family order."""
    seen: set[tuple[str, str]] = set()
    out: list[Identifier] = []
    for family in FAMILIES:
        for ident in family.extract(page):
            key = (ident.kind, ident.value)
            if key not in seen:
                seen.add(key)
                out.append(ident)
    return out


def extract_meta(page: Page) -> dict:
    """Page metadata (title, meta tags, lang, canonical, og:site_name, linked domains)."""
    return page_meta.extract_meta(page)


def all_kinds() -> Iterable[Kind]:
    for family in FAMILIES:
        yield from family.KINDS
