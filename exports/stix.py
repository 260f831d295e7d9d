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
    redirect / moved notice              -> relationship ``redirects-to`` / ``moved-to`` (old -> new)
    the bundle                           -> identity (MERCHINTEL_STIX_IDENTITY) and a TLP 2.0
                                            marking-definition (MERCHINTEL_TLP); every SDO/SRO
                                            carries created_by_ref and object_marking_refs
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

from stix2 import (URL, AutonomousSystem, CustomObservable, DomainName, EmailAddress, Identity, IPv4Address,
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


# TLP 2.0 marking definitions as published by OASIS (cti-stix-common-objects,
# extension-definition-specifications/tlp-2.0): fixed ids, so every tool recognises them.
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
IDENTITY_NAMESPACE = uuid.UUID("6f1c2f7e-3a53-5b8e-9d0e-6d65726368a1")


def tlp_marking(level: str) -> dict[str, Any]:
    """The TLP 2.0 marking-definition object of ``level`` (clear, green, amber, amber+strict, red)."""
    level = level.lower().removeprefix("tlp:")
    return {"type": "marking-definition", "spec_version": "2.1", "id": TLP2_IDS[level],
            "created": "2022-10-01T00:00:00.000Z", "name": f"TLP:{level.upper()}",
            "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}}}


def identity_for(name: str) -> Identity:
    """The producing organisation (MERCHINTEL_STIX_IDENTITY); the same name, the same id in every bundle."""
    return Identity(id=f"identity--{uuid.uuid5(IDENTITY_NAMESPACE, name)}", name=name, identity_class="organization",
                    created="2026-01-01T00:00:00.000Z", modified="2026-01-01T00:00:00.000Z")


class _Raw:
    """A JSON object written as it is (the TLP 2.0 marking: its extension is not stix2's to check)."""

    def __init__(self, obj: dict[str, Any]):
        self.obj, self.id = obj, obj["id"]

    def serialize(self, sort_keys: bool = True) -> str:
        return json.dumps(self.obj, sort_keys=sort_keys)


DOMAIN_KINDS = frozenset({"domain", "hostname", "nameserver", "mx"})
EMAIL_KINDS = frozenset({"email", "soa_email", "registrant_email"})


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
        if family == "payments":
            return PaymentAccount(kind=kind, processor=kind.split("_")[0], account=value)
        if family == "crypto":
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
        # Who produced the bundle and how far it may travel: every SDO/SRO names both.
        identity = identity_for(getattr(src, "stix_identity", None) or "merchintel")
        marking = tlp_marking(getattr(src, "tlp", None) or "amber")
        emit(_Raw(marking))
        emit(identity)
        stamp = {"created_by_ref": identity.id, "object_marking_refs": [marking["id"]]}
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
            elif kind in ("redirect", "moved_to"):
                # u leads to v (graph/ties.py): the pages that show it become url objects
                desc = (f"{attrs.get('direction')}: {kind} ({', '.join(attrs.get('via') or ())}); link score "
                        f"{attrs.get('score')}; evidence: " + ", ".join(attrs.get("evidence", ())))
                rel_type = "redirects-to" if kind == "redirect" else "moved-to"
                for url in attrs.get("evidence", ()):
                    if url.startswith(("http://", "https://")):
                        u_obj = URL(value=uri(url))
                        emit(u_obj)
                        per_domain.get(u, {}).setdefault("refs", []).append(u_obj.id)
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
                              description=desc[:2000], allow_custom=True, **kwargs, **stamp))
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        for node_id, d in per_domain.items():
            first = d["first"] or now
            last = d["last"] if d["last"] and d["last"] >= first else first
            emit(ObservedData(first_observed=first, last_observed=last, number_observed=1,
                              object_refs=list(dict.fromkeys(d["refs"])), allow_custom=True, **stamp))
        f.write("\n]}\n")
    return {"objects": n}
