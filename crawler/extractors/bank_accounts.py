"""Bank-account-style payment identifiers: Swedish Swish, Bankgiro and Plusgiro numbers,
IBAN and BIC — numbers a checksum or a registry vouches for, found next to their context
word (``swish``, ``bankgiro``, ``iban``, ``bic``…).  Rows of the payments family
(crawler/extractors/payments.py), run by its engine (crawler/extractors/rows.py).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from crawler.extractors.checksums import bankgiro_canonical, bic_ok, iban_canonical, iban_length, plusgiro_canonical
from crawler.extractors.model import Kind
from crawler.extractors.rows import Field, Pattern, Value, first

FAMILY = "payments"

KINDS: tuple[Kind, ...] = (
    Kind("swish", FAMILY, "Swish number", "strong", False,
         "Swedish Swish business number (123 + 7 digits) next to the word Swish."),
    Kind("bankgiro", FAMILY, "Bankgiro number", "strong", False,
         "Swedish Bankgiro NNN-NNNN / NNNN-NNNN next to Bankgiro/BG, Luhn-checked."),
    Kind("plusgiro", FAMILY, "Plusgiro number", "strong", False,
         "Swedish Plusgiro (2-8 digits, dash before the check digit) next to Plusgiro/PG, Luhn-checked."),
    Kind("iban", FAMILY, "IBAN", "strong", True,
         "IBAN with its country's length and a valid mod-97 check; no spaces, upper-case."),
    Kind("bic", FAMILY, "BIC / SWIFT code", "weak", False,
         "BIC (8 or 11 characters, ISO country) next to BIC/SWIFT; identifies a bank, not an account."),
)


def _swish_value(s: str | None) -> str | None:
    if not s:
        return None
    d = re.sub(r"[\s-]", "", unquote_plus(s))
    return d if re.fullmatch(r"123\d{7}", d) else None


# The payee of a Swish payment request: {"payee": {"value": "1231181189"}} in the QR-code API body,
# the app's swish://payment?data=<JSON> link, or a JS object {payee: {value: '…'}}.
_SWISH_PAYEE = re.compile(r"""payee["']?\s*:\s*\{\s*["']?value["']?\s*:\s*["']?(?P<v>\+?[\d \-]{10,16})""")


def _swish_payee(m: re.Match[str]) -> str | None:
    return _swish_value(m.group("v"))


def _swish_deeplink(m: re.Match[str]) -> str | None:
    pm = _SWISH_PAYEE.search(unquote_plus(m.group("v")))
    return _swish_value(pm.group("v")) if pm else None


def _swish(m: re.Match[str]) -> str | None:
    return _swish_value(m.group(0))


def _bankgiro(m: re.Match[str]) -> str | None:
    return bankgiro_canonical(m.group(0))


def _plusgiro(m: re.Match[str]) -> str | None:
    return plusgiro_canonical(m.group(0))


def _iban(m: re.Match[str]) -> Value:
    """Trim a run of upper-case/digit groups to its country's IBAN length, at a group end."""
    raw = m.group(0)
    length = iban_length(raw[:2])
    if length is None:
        return None
    count = 0
    for i, ch in enumerate(raw):
        if ch != " ":
            count += 1
            if count == length:
                cut = raw[:i + 1]
                rest = raw[i + 1:]
                if rest and rest[0] != " ":
                    return None     # the run goes on without a break: not this IBAN
                value = iban_canonical(cut)
                return (value, cut) if value else None
    return None


def _bic(m: re.Match[str]) -> str | None:
    v = m.group("v")
    return v if bic_ok(v) else None


def _bic_flags(value: str) -> tuple[str, ...]:
    # ISO 9362: a '0' as the second location character marks a test BIC.
    return ("test",) if value[7] == "0" else ()


_SEP = r"[ \-\u2010\u2011\u2013]"

PATTERNS: tuple[Pattern, ...] = (
    # ---- Sweden ----
    Pattern("swish", re.compile(r"(?<![\d+])123(?:" + _SEP + r"?\d){7}(?!\d)"),
            note="Swish business numbers 123 456 78 90 / 1234567890 next to the word Swish",
            keywords=("swish",), value=_swish, near=re.compile(r"swish"), before=100, after=40),
    Pattern("swish", re.compile(r"(?i)swish://payment\?data=(?P<v>[^\"'\s<>]{1,2000})"),
            note="the Swish app link swish://payment?data=<url-encoded JSON with payee.value>",
            keywords=("swish",), value=_swish_deeplink),
    Pattern("swish", _SWISH_PAYEE,
            note='QR-code API body / JS object {"payee": {"value": "123…"}} with the word Swish near',
            keywords=("swish",), value=_swish_payee, near=re.compile(r"swish"), before=1000, after=1000),
    Pattern("bankgiro", re.compile(r"(?<![\d-])\d{3,4}" + _SEP + r"\d{4}(?![\d-])"),
            note="Bankgiro 5050-1055 (dash required) after Bankgiro/BG; Luhn check digit",
            keywords=("bankgiro", "bg:", "bg ", "bg-nr", "bg.", "bgnr"), value=_bankgiro, checked=True,
            near=re.compile(r"bankgiro|(?<![a-z0-9])bg(?![a-z0-9])"), before=40),
    Pattern("plusgiro", re.compile(r"(?<![\d-])\d(?: ?\d){0,6}" + _SEP + r"\d(?![\d-])"),
            note="Plusgiro 90 20 03-3 / 4405065-1 after Plusgiro/Postgiro/PG; Luhn check digit",
            keywords=("plusgiro", "postgiro", "pg:", "pg-nr", "pg nr", "pgnr"), value=_plusgiro, checked=True,
            near=re.compile(r"plusgiro|postgiro|(?<![a-z0-9])pg(?![a-z0-9])"), before=40),
    # ---- IBAN, BIC ----
    Pattern("iban", re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]){11,40}"),
            note="IBAN, compact or grouped by spaces; country length + mod-97; upper-case country code",
            keywords=("iban",), value=_iban, checked=True),
    Pattern("bic", re.compile(r"(?P<v>[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]{5}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)(?![A-Za-z0-9])"),
            note="BIC ESSESESS / DEUTDEFF500 within 40 characters after BIC or SWIFT",
            keywords=(" bic", ">bic", '"bic', "(bic", "bic:", "bic/", "swift"), value=_bic, checked=True,
            near=re.compile(r"\b(?:bic|swift)\b"), before=40, flags=_bic_flags),
)

FIELDS: tuple[Field, ...] = (
    Field("swish", ("swish.nu",), ("sw",), first(("sw",), _swish_value),
          note="app.swish.nu/1/p/sw/?sw=1231234567&amt=100 payment links", keywords=("swish.nu",)),
)
