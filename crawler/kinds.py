"""The identifier vocabulary: every kind merchintel stores, with its family, label,
link strength and whether it is personal data.  Extraction, link weights, exports and
docs all read this one table.
"""

from __future__ import annotations

from crawler.extractors import all_kinds
from crawler.extractors.model import Kind

# Kinds that come from enrichment and infrastructure rather than page text.
INFRA_KINDS: tuple[Kind, ...] = (
    Kind("soa_email", "dns", "SOA RNAME e-mail", "medium", True, "Responsible mailbox in the zone's SOA record."),
    Kind("txt_token", "dns", "TXT verification token", "medium", False,
         "google-site-verification and similar tokens in TXT records."),
    Kind("spf_include", "dns", "SPF include", "weak", False, "include: targets of the SPF record."),
    Kind("ip", "hosting", "IP address", "weak", False, "A/AAAA answer."),
    Kind("nameserver", "dns", "Name server", "weak", False, "NS record target."),
    Kind("mx", "dns", "Mail exchanger", "weak", False, "MX record target."),
    Kind("registrar", "whois", "Registrar", "weak", False, "Registrar from RDAP/WHOIS."),
    Kind("asn", "hosting", "Autonomous system", "weak", False, "Origin AS of a site's IP."),
    Kind("registrant_email", "whois", "Registrant e-mail", "strong", True, "Unredacted registrant e-mail."),
    Kind("registrant_org", "whois", "Registrant organisation", "medium", False, "Registrant organisation."),
    # from evidence captures (crawler/capture.py); a CDN's or a free CA's shared certificate
    # is flagged cdn and weighs nothing, like a CDN address
    Kind("tls_cert", "hosting", "TLS certificate", "medium", False,
         "SHA-256 fingerprint of the certificate an HTTPS site served (the same key pair and names)."),
    Kind("tls_sans", "hosting", "TLS certificate names", "medium", False,
         "The registered domains a certificate's SANs name, when two or more: one certificate ordered for them all."),
    Kind("header_fp", "hosting", "Response header fingerprint", "weak", False,
         "Hash of a site's distinctive response headers (common, CDN and per-request ones left out)."),
)


def kinds() -> dict[str, Kind]:
    out: dict[str, Kind] = {}
    for k in (*all_kinds(), *INFRA_KINDS):
        out.setdefault(k.kind, k)
    return out


def kind(name: str) -> Kind:
    """The Kind row for a name; unknown names are treated as weak, non-personal."""
    return kinds().get(name) or Kind(name, "other", name, "weak", False, "")


# The families whose values are money: a payment processor, account or wallet.
MONEY_FAMILIES = frozenset({"payments", "crypto"})


def is_money(name: str) -> bool:
    """True for payment and crypto kinds (``iban``, ``btc_address``), False for ``phone``."""
    return kind(name).family in MONEY_FAMILIES


def money_kinds() -> frozenset[str]:
    """Every known kind of a payment or crypto family."""
    return frozenset(n for n, k in kinds().items() if k.family in MONEY_FAMILIES)
