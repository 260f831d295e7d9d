"""STIX 2.1 bundle (stix2 library), streamed object by object.

Mapping:
    domain, hostname, nameserver, mx     -> domain-name
    ip                                   -> ipv4-addr / ipv6-addr
    asn (AS13335)                        -> autonomous-system
    email, soa_email, registrant_email   -> email-addr (x-merchintel-identifier when pseudonymised)
    evidence page URLs (http/https)      -> url
    payment accounts (family payments)   -> x-merchintel-payment-account {kind, processor, account}
    wallets (family crypto)              -> x-merchintel-crypto-wallet {chain, address}
    everything else (phone, messenger handle, tracker id, registrar, …)
                                         -> x-merchintel-identifier {kind, value}
    domain — value edge                  -> relationship ``uses-<kind>`` (start_time/stop_time,
                                            description with the evidence)
    domain — domain link                 -> relationship ``linked-to`` (score, shared values)
    per domain                           -> observed-data (first/last observed, its objects)

SCO ids are deterministic (UUIDv5 of their values), so the same value gets the same id
in every bundle; the validator's warnings about custom ``x-`` types are expected.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from stix2 import (URL, AutonomousSystem, CustomObservable, DomainName, EmailAddress, IPv4Address,
                   IPv6Address, ObservedData, Relationship)
from stix2.properties import StringProperty

from exports.common import prepare


@CustomObservable("x-merchintel-payment-account", [
    ("kind", StringProperty(required=True)), ("processor", StringProperty()),
    ("account", StringProperty(required=True))], ["kind", "account"])
class PaymentAccount:
    """A merchant/payment account (PayPal merchant id, IBAN, CCBill account…)."""


@CustomObservable("x-merchintel-crypto-wallet", [
    ("chain", StringProperty(required=True)), ("address", StringProperty(required=True))], ["chain", "address"])
class CryptoWallet:
    """A cryptocurrency address."""


@CustomObservable("x-merchintel-identifier", [
    ("kind", StringProperty(required=True)), ("value", StringProperty(required=True))], ["kind", "value"])
class OtherIdentifier:
    """Any other identifier (phone, messenger handle, tracker id, registrar…)."""


DOMAIN_KINDS = frozenset({"domain", "hostname", "nameserver", "mx"})
EMAIL_KINDS = frozenset({"email", "soa_email", "registrant_email"})
MONEY_FAMILIES = frozenset({"payments", "payment"})
CRYPTO_FAMILIES = frozenset({"crypto", "wallet", "wallets"})


def _ts(value: str | None) -> str | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sco_for(kind: str, value: str, attrs: dict[str, Any]) -> Any | None:
    """The STIX cyber-observable for one node, or None if the value does not fit its type."""
    family = attrs.get("family", "")
    pseudo = value.startswith("hmac:")
    try:
        if kind in DOMAIN_KINDS:
            return DomainName(value=value.rstrip("."))
        if kind == "ip":
            addr = ipaddress.ip_address(value)
            return IPv4Address(value=value) if addr.version == 4 else IPv6Address(value=value)
        if kind == "asn" and value.upper().lstrip("AS").isdigit():
            return AutonomousSystem(number=int(value.upper().lstrip("AS")))
        if kind in EMAIL_KINDS and not pseudo and "@" in value:
            return EmailAddress(value=value)
        if family in MONEY_FAMILIES:
            return PaymentAccount(kind=kind, processor=kind.split("_")[0], account=value)
        if family in CRYPTO_FAMILIES:
            return CryptoWallet(chain=kind.replace("_address", ""), address=value)
    except (ValueError, Exception):  # stix2 raises its own errors for values that do not fit
        pass
    return OtherIdentifier(kind=kind, value=value)


def uri(url: str) -> str:
    """The URL as an RFC 3986 URI: characters a URI may not hold are percent-encoded
    (``?y=<2>`` -> ``?y=%3C2%3E``); existing escapes are kept."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def _dump(obj: Any) -> str:
    return obj.serialize(sort_keys=True) if hasattr(obj, "serialize") else json.dumps(obj, sort_keys=True)


def write(src, out: str | Path) -> dict[str, int]:
    path = prepare(out)
    sco: dict[str, str] = {}            # node id -> STIX id
    written: set[str] = set()
    per_domain: dict[str, dict[str, Any]] = {}
    n = 0

    with open(path, "w", encoding="utf-8") as f:
        def emit(obj: Any) -> None:
            nonlocal n
            if obj.id in written:
                return
            written.add(obj.id)
            f.write(("\n  " if n == 0 else ",\n  ") + _dump(obj))
            n += 1

        f.write('{"type": "bundle", "id": "bundle--%s", "objects": [' % uuid.uuid4())
        for node_id, attrs in src.nodes():
            kind, value = attrs.get("kind"), attrs.get("value", "")
            obj = sco_for(kind, value, attrs)
            if obj is None:
                continue
            sco[node_id] = obj.id
            emit(obj)
            if kind == "domain":
                per_domain[node_id] = {"refs": [obj.id], "first": _ts(attrs.get("first_seen")),
                                       "last": _ts(attrs.get("last_seen"))}
        for u, v, attrs in src.edges():
            if u not in sco or v not in sco:
                continue
            kind = attrs.get("kind", "related")
            first, last = _ts(attrs.get("first_seen")), _ts(attrs.get("last_seen"))
            if kind == "link":
                desc = f"merchintel link score {attrs.get('score')}: shares " + ", ".join(attrs.get("evidence", ()))
                rel_type = "linked-to"
            else:
                evidence = list(attrs.get("evidence", ()))
                desc = f"{kind} observed; evidence: " + ", ".join(evidence)
                rel_type = "uses-" + kind.replace("_", "-")
                for url in evidence:
                    if url.startswith(("http://", "https://")):
                        u_obj = URL(value=uri(url))
                        emit(u_obj)
                        per_domain.get(u, {}).setdefault("refs", []).append(u_obj.id)
                if u in per_domain:
                    per_domain[u]["refs"].append(sco[v])
                    d = per_domain[u]
                    if first and (not d["first"] or first < d["first"]):
                        d["first"] = first
                    if last and (not d["last"] or last > d["last"]):
                        d["last"] = last
            kwargs: dict[str, Any] = {}
            if first:
                kwargs["start_time"] = first
            if last and (not first or last > first):
                kwargs["stop_time"] = last
            emit(Relationship(source_ref=sco[u], target_ref=sco[v], relationship_type=rel_type,
                              description=desc[:2000], allow_custom=True, **kwargs))
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        for node_id, d in per_domain.items():
            first = d["first"] or now
            last = d["last"] if d["last"] and d["last"] >= first else first
            emit(ObservedData(first_observed=first, last_observed=last, number_observed=1,
                              object_refs=list(dict.fromkeys(d["refs"])), allow_custom=True))
        f.write("\n]}\n")
    return {"objects": n}
