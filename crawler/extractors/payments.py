"""Payment accounts in a page: processors (PayPal, Stripe, CCBill, Epoch, SegPay, Verotel,
Paxum, Perfect Money, WebMoney, Skrill, Coinbase Commerce, BTCPay), Swedish Swish, Bankgiro
and Plusgiro numbers, IBAN and BIC.

Two tables drive it, one row per way a processor shows up in a page:

* ``PATTERNS``: a regular expression over the page text (HTML with entities decoded and
  JavaScript ``\\/`` escapes undone, so values in attributes, inline scripts, JSON and .js
  files are found alike), optionally required to sit next to a context word
  (``swish``, ``bankgiro``, ``bic``…) and checked by a checksum;
* ``FIELDS``: a named field of a ``<form>`` whose ``action`` goes to the processor, or the
  same name as a query parameter of a link to it (``business`` for PayPal,
  ``clientAccnum``/``clientSubacc`` for CCBill…).

Rows follow the processors' own integration documents, one row per documented form
(tests/formsweb.py names the document of each).  No row takes a documentation placeholder
(``pk_live_XXXX…``, ``YOUR_…``, ``{…}``: :func:`is_placeholder`).

Supporting one more processor is one row here plus one test row.  Every row names the
lower-case keywords that must occur in the page for it to run: one Aho-Corasick pass over the
lower-cased page decides which rows run, so a page without any processor costs almost nothing.
"""

from __future__ import annotations

import functools
import html as html_lib
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator
from urllib.parse import unquote_plus

from crawler.extractors.checksums import bankgiro_canonical, bic_ok, iban_canonical, iban_length, plusgiro_canonical
from crawler.extractors.model import Identifier, Kind, Page, snippet

try:  # a Rust Aho-Corasick automaton: all keywords in one pass at ~500 MB/s
    import ahocorasick_rs
except ImportError:  # pragma: no cover - declared dependency; `in` checks are the slow fallback
    ahocorasick_rs = None

FAMILY = "payments"

KINDS: tuple[Kind, ...] = (
    Kind("paypal_business", FAMILY, "PayPal business e-mail", "strong", True,
         "E-mail in the `business` field of a PayPal button form or link."),
    Kind("paypal_merchant_id", FAMILY, "PayPal merchant id", "strong", False,
         "13-character PayPal merchant (payer) id: `business` field or SDK `merchant-id`."),
    Kind("paypal_button_id", FAMILY, "PayPal hosted button id", "strong", False,
         "`hosted_button_id` of a saved PayPal button, or a PayPal no-code checkout link id."),
    Kind("paypal_client_id", FAMILY, "PayPal REST client id", "strong", False,
         "`client-id` of the PayPal JavaScript SDK (identifies the merchant's REST app)."),
    Kind("paypal_me", FAMILY, "PayPal.me handle", "strong", True, "`paypal.me/<handle>`, handle lower-cased."),
    Kind("stripe_publishable_key", FAMILY, "Stripe publishable key", "strong", False,
         "`pk_live_…` (`pk_test_…` kept with flag `test`), in HTML or a same-site .js file."),
    Kind("stripe_payment_link", FAMILY, "Stripe payment link", "strong", False,
         "Id of a buy.stripe.com / donate.stripe.com payment link (test_… flagged `test`)."),
    Kind("stripe_account", FAMILY, "Stripe connected account", "strong", False,
         "`acct_…` id passed as `stripeAccount` to Stripe.js."),
    Kind("stripe_buy_button", FAMILY, "Stripe buy button", "strong", False,
         "`buy_btn_…` id of a `<stripe-buy-button>` embed (a payment link of the merchant's account)."),
    Kind("stripe_pricing_table", FAMILY, "Stripe pricing table", "strong", False,
         "`prctbl_…` id of a `<stripe-pricing-table>` embed."),
    Kind("ccbill_account", FAMILY, "CCBill account", "strong", False,
         "`clientAccnum`/`clientSubacc` as `900000/0000` (just the account when no sub-account)."),
    Kind("ccbill_flexform", FAMILY, "CCBill FlexForms payment flow", "strong", False,
         "Flex ID (uuid, lower-cased) of a `api.ccbill.com/wap-frontflex/flexforms/<id>` link or form."),
    Kind("epoch_account", FAMILY, "Epoch company code", "strong", False,
         "co_code of an Epoch (wnu.com / epoch.com / paycom.net) join link or form."),
    Kind("epoch_product", FAMILY, "Epoch product code", "strong", False,
         "pi_code (product) of an Epoch join link or form."),
    Kind("segpay_eticket", FAMILY, "SegPay eticket", "strong", False,
         "x-eticketid (package:price point) of a SegPay purchase link."),
    Kind("verotel_shop_id", FAMILY, "Verotel shop id", "strong", False,
         "shopID / verotel_website of a FlexPay order link (Verotel, CardBilling, Bill, BitsafePay, GayCharge…)."),
    Kind("verotel_merchant_id", FAMILY, "Verotel merchant id", "strong", False,
         "16-digit verotel_id of a Verotel order link."),
    Kind("paxum", FAMILY, "Paxum business e-mail", "strong", True,
         "business_email of a Paxum payment button or link."),
    Kind("perfect_money", FAMILY, "Perfect Money account", "strong", False,
         "PAYEE_ACCOUNT (U/E/G/B + 7-8 digits) of a Perfect Money form, or one next to its name."),
    Kind("webmoney", FAMILY, "WebMoney purse", "strong", False,
         "Purse (letter + 12 digits): LMI_PAYEE_PURSE, a `wmk:payto?Purse=` link or next to a WebMoney word."),
    Kind("webmoney_wmid", FAMILY, "WebMoney WMID", "strong", False,
         "12-digit WebMoney id: passport links or next to `WMID`."),
    Kind("skrill", FAMILY, "Skrill e-mail", "strong", True,
         "pay_to_email of a Skrill / Moneybookers form or link."),
    Kind("coinbase_commerce", FAMILY, "Coinbase Commerce checkout", "strong", False,
         "Checkout id of `commerce.coinbase.com/checkout/<id>` (a uuid lower-cased, another id as written)."),
    Kind("coinbase_charge", FAMILY, "Coinbase Commerce charge", "strong", False,
         "Hosted charge: `commerce.coinbase.com/charges/<CODE>` (code upper-cased) or `/pay/<uuid>`."),
    Kind("btcpay_store", FAMILY, "BTCPay store id", "strong", False,
         "storeId of a BTCPay Server pay button or invoice API link."),
    Kind("btcpay_app", FAMILY, "BTCPay app id", "strong", False,
         "App id of a BTCPay Server `/apps/<id>/pos` or `/crowdfund` page."),
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


# ---------------------------------------------------------------------------------------------
# Page views shared by the payments and trackers families (cached on the Page)
# ---------------------------------------------------------------------------------------------

def lower_bytes(page: Page) -> bytes:
    """The page as UTF-8 with ASCII letters lower-cased, computed once per page for the keyword
    prefilters (bytes.lower() is several times faster than str.lower() on non-ASCII text)."""
    low = page._cache.get("lower_utf8")
    if low is None:
        low = page._cache["lower_utf8"] = page.text.encode("utf-8", "surrogatepass").lower()
    return low


_JS_ESCAPE = re.compile(r"\\(?:/|u00(2[26fF]|3[aAdDfF]|40))")
# Entities with their ';' (and numeric ones).  Not html.unescape on the whole page: it also
# decodes legacy names without ';', turning "?a=1&currency=EUR" in a URL into "?a=1¤cy=EUR".
_ENTITY = re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};)")


def _js_unescape(m: re.Match[str]) -> str:
    return "/" if m.group(1) is None else chr(int(m.group(1), 16))


@functools.lru_cache(maxsize=512)
def _decode_entity(entity: str) -> str:
    return html_lib.unescape(entity)


def _entity(m: re.Match[str]) -> str:
    return _decode_entity(m.group(0))


def norm_text(page: Page) -> str:
    """Entities decoded (``&amp;`` -> ``&``, ``&#64;`` -> ``@``; names only with their ``;``)
    and JSON/JS escapes of URL characters undone (``https:\\/\\/`` -> ``https://``,
    ``\\u0026`` -> ``&``): one view for HTML, JS and JSON, computed once per page."""
    norm = page._cache.get("norm_text")
    if norm is None:
        norm = page.text
        if "&" in norm:
            norm = _ENTITY.sub(_entity, norm)
        if "\\" in norm:
            norm = _JS_ESCAPE.sub(_js_unescape, norm)
        page._cache["norm_text"] = norm
    return norm


_REGISTERED_KEYWORDS: set[str] = set()
_COMBINED: list = []     # [(keywords tuple, automaton or None)] once built; emptied when a scanner is added


def _combined_scan() -> tuple[tuple[str, ...], object]:
    if not _COMBINED:
        kw = tuple(sorted(_REGISTERED_KEYWORDS))
        auto = (ahocorasick_rs.BytesAhoCorasick([k.encode("utf-8") for k in kw])
                if (ahocorasick_rs is not None and kw) else None)
        _COMBINED.append((kw, auto))
    return _COMBINED[0]


class KeywordScanner:
    """Which of a fixed set of lower-case keywords occur in a page.

    Every scanner's keywords join one Aho-Corasick automaton, run once per page over
    :func:`lower_bytes` (cached on the page), so the payments and trackers prefilters cost one
    pass together; each scanner then sees only its own keywords."""

    def __init__(self, keywords: Iterable[str]):
        self.keywords = frozenset(k for k in keywords if k)
        _REGISTERED_KEYWORDS.update(self.keywords)
        _COMBINED.clear()

    def present(self, page: Page) -> frozenset[str]:
        combined = _combined_scan()
        cached = page._cache.get("keyword_scan")
        if cached is None or cached[0] is not combined:
            kw, auto = combined
            low = lower_bytes(page)
            if auto is not None:
                found = frozenset(kw[i] for i, _, _ in auto.find_matches_as_indexes(low, overlapping=True))
            else:
                found = frozenset(k for k in kw if k.encode("utf-8") in low)
            cached = page._cache["keyword_scan"] = (combined, found)
        return cached[1] & self.keywords


# ---------------------------------------------------------------------------------------------
# Table rows
# ---------------------------------------------------------------------------------------------

Value = str | tuple[str, str] | None   # canonical value, or (value, raw) when raw is trimmed


@dataclass(frozen=True)
class Pattern:
    """One way an identifier shows up in page text.

    regex: run over the normalised text (entities and JS escapes decoded); the value is the
    group named ``v`` (else the whole match), passed through ``value`` (None rejects it).
    keywords: lower-case strings, one of which must be in the page for the row to run.
    near: a lower-case regex that must match within ``before`` characters before the match
    or ``after`` characters after it (the context word: ``swish``, ``bankgiro``…).
    flags: extra facts from the value (``test``).
    """

    kind: str
    regex: re.Pattern[str]
    note: str = ""
    keywords: tuple[str, ...] = ()
    value: Callable[[re.Match[str]], Value] | None = None
    near: re.Pattern[str] | None = None
    before: int = 80
    after: int = 0
    flags: Callable[[str], tuple[str, ...]] | None = None


@dataclass(frozen=True)
class Field:
    """A named field of a form posting to a processor, or the query parameter of a link to it.

    hosts: registrable domains (``paypal.com`` also matches ``www.sandbox.paypal.com``); empty
    means any host, then ``path`` must match.  path: regex searched in the URL path.
    names: field/parameter names (case-insensitive); ``value`` gets {name: value} of those
    present and returns the canonical value(s) or None.  A host with a ``sandbox``/``test``
    label gives the flag ``test``.
    """

    kind: str
    hosts: tuple[str, ...]
    names: tuple[str, ...]
    value: Callable[[dict[str, str]], str | list[str] | None]
    note: str = ""
    keywords: tuple[str, ...] = ()
    path: re.Pattern[str] | None = None


# ---- value shapes ----

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}")
_PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net", "domain.com", "email.com",
                        "yourdomain.com", "yoursite.com")


def email_value(raw: str | None) -> str | None:
    """A lower-case e-mail when ``raw`` (percent-decoded) is one, not a placeholder.

    >>> email_value("Sales%40Shop-A.se")
    'sales@shop-a.se'
    >>> email_value("you@example.com") is None
    True
    """
    if not raw:
        return None
    s = unquote_plus(raw).strip()
    if not _EMAIL.fullmatch(s):
        return None
    s = s.lower()
    domain = s.rpartition("@")[2]
    if domain in _PLACEHOLDER_DOMAINS or domain.endswith((".example", ".invalid", ".test")) or is_placeholder(s):
        return None
    return s


# What integration guides print where the merchant's own id goes: pk_live_XXXX…, G-XXXXXXXXXX,
# YOUR_PIXEL_ID, {pixel-id}, <PIXEL_ID>, ca-pub-0000000000000000, stats.example.com.  Copied
# unchanged into many unrelated sites, such a value would link them all, so no row takes one.
_PLACEHOLDER = re.compile(r"(?i)x{4,}|[_-]your|your[_-]|[{}<>$%]|placeholder")
_PLACEHOLDER_ID = re.compile(r"(?i)your")          # an id (no dot) that starts with it: yourProjectId
_PLACEHOLDER_HOST = re.compile(r"(?i)x{4,}|(?:^|\.)(?:example|your(?:-?domain|-?site|website|-?e?mail|company))\.|"
                               r"\.example(?:/|$)")


def is_placeholder(value: str) -> bool:
    """True for a documentation placeholder rather than a merchant's id (checked on every row's value).

    >>> [is_placeholder(v) for v in ("pk_live_XXXXXXXXXXXXXXXXXXXXXXXX", "G-XXXXXXXXXX", "YOUR_PIXEL_ID",
    ...                              "ca-pub-0000000000000000", "stats.example.com/1", "me@yourdomain.com")]
    [True, True, True, True, True, True]
    >>> [is_placeholder(v) for v in ("G-K2X9QW7PLM", "stats.yourshop.se/3", "shop@yourshop.se")]
    [False, False, False]
    """
    if "@" in value:             # e-mails: the name part is the seller's to choose
        return "xxxx" in value.lower() or bool(_PLACEHOLDER_HOST.search(value.rpartition("@")[2]))
    if _PLACEHOLDER.search(value) or _PLACEHOLDER_HOST.search(value):
        return True
    if "." not in value and _PLACEHOLDER_ID.match(value):
        return True
    digits = [c for c in value if c.isdigit()]
    return len(digits) >= 6 and all(c == "0" for c in digits)     # ca-pub-0000000000000000


_MERCHANT_ID = re.compile(r"[A-Z0-9]{13}")


def _shape(regex: str, transform: Callable[[str], str] = str) -> Callable[[str | None], str | None]:
    rx = re.compile(regex)

    def check(raw: str | None) -> str | None:
        if raw is None:
            return None
        s = unquote_plus(raw).strip()
        return transform(s) if rx.fullmatch(s) else None
    return check


def _paypal_business_email(f: dict[str, str]) -> str | None:
    return email_value(f.get("business"))


def _paypal_business_merchant(f: dict[str, str]) -> str | None:
    s = unquote_plus(f.get("business", "")).strip().upper()
    return s if _MERCHANT_ID.fullmatch(s) and any(c.isdigit() for c in s) and any(c.isalpha() for c in s) else None


def _paypal_merchant_ids(f: dict[str, str]) -> list[str]:
    out = []
    for part in unquote_plus(f.get("merchant-id", "")).split(","):
        part = part.strip().upper()
        if _MERCHANT_ID.fullmatch(part):
            out.append(part)
    return out


_button_id = _shape(r"[A-Z0-9]{6,20}", str.upper)
# REST app client ids start with A (classic) or B (the ids the hosted-buttons code generator prints).
_client_id = _shape(r"[AB][A-Za-z0-9_-]{19,99}")


def _ccbill(f: dict[str, str]) -> str | None:
    acc = _shape(r"\d{5,7}")(f.get("clientaccnum"))
    if acc is None:
        return None
    sub = _shape(r"\d{4}")(f.get("clientsubacc"))
    return f"{acc}/{sub}" if sub else acc


_epoch_code = _shape(r"[A-Za-z0-9]{2,20}", str.lower)
_eticket = _shape(r"\d{3,10}(?::\d{1,10})?")
_shop_id = _shape(r"\d{2,10}")
_verotel_id = _shape(r"9\d{15}")
_pm_account = _shape(r"[UEGBuegb]\d{6,9}", str.upper)
_wm_purse = _shape(r"[A-Za-z]\d{12}", str.upper)
_wmid = _shape(r"\d{12}")
# BTCPay store ids are 32 random bytes in base58 (43-44 characters).
_store_id = _shape(r"[1-9A-HJ-NP-Za-km-z]{40,50}")


def _swish_value(s: str | None) -> str | None:
    if not s:
        return None
    d = re.sub(r"[\s-]", "", unquote_plus(s))
    return d if re.fullmatch(r"123\d{7}", d) else None


def _first(names: tuple[str, ...], check: Callable[[str | None], str | None]):
    def value(f: dict[str, str]) -> str | None:
        for n in names:
            v = check(f.get(n))
            if v:
                return v
        return None
    return value


# FlexPay brands of Verotel (the hosts of Verotel's own FlexPay client libraries' Brand tables).
_FLEXPAY_HOSTS = ("verotel.com", "billing.creditcard", "cardbilling.com", "bill.creditcard", "bitsafepay.com",
                  "gaycharge.com", "paintfestpayments.com", "yoursafedirect.com")
# (Few keywords: see docs/extractors-payments.md, Speed.  Every brand's purchase link is /startorder.)
_FLEXPAY_KEYWORDS = ("verotel", ".creditcard", "cardbilling", "startorder")

FIELDS: tuple[Field, ...] = (
    Field("paypal_business", ("paypal.com",), ("business",), _paypal_business_email,
          note='<input name="business" value="seller@shop.se"> in a form to paypal.com/cgi-bin/webscr; '
               "also ?business= in a PayPal link", keywords=("paypal",)),
    Field("paypal_merchant_id", ("paypal.com",), ("business",), _paypal_business_merchant,
          note="business field holding the 13-character merchant id instead of an e-mail",
          keywords=("paypal",)),
    Field("paypal_button_id", ("paypal.com",), ("hosted_button_id",), _first(("hosted_button_id",), _button_id),
          note="saved button: cmd=_s-xclick + hosted_button_id", keywords=("paypal",)),
    Field("paypal_client_id", ("paypal.com",), ("client-id",), _first(("client-id",), _client_id),
          note="<script src=\"https://www.paypal.com/sdk/js?client-id=…\">", keywords=("paypal",),
          path=re.compile(r"^/sdk/js")),
    Field("paypal_merchant_id", ("paypal.com",), ("merchant-id",), _paypal_merchant_ids,
          note="SDK merchant-id=ID[,ID…]", keywords=("paypal",), path=re.compile(r"^/sdk/js")),
    Field("ccbill_account", ("ccbill.com",), ("clientaccnum", "clientsubacc"), _ccbill,
          note="bill.ccbill.com/jpost/signup.cgi?clientAccnum=900000&clientSubacc=0000, FlexForms links, "
               "hidden fields", keywords=("ccbill",)),
    Field("epoch_account", ("wnu.com", "epoch.com", "paycom.net"), ("co_code", "co"),
          _first(("co_code", "co"), _epoch_code),
          note="wnu.com/secure/fpost.cgi?co_code=…&pi_code=…; epoch.com join links",
          keywords=("wnu.com", "epoch", "paycom")),
    Field("epoch_product", ("wnu.com", "epoch.com", "paycom.net"), ("pi_code", "pi", "product_id"),
          _first(("pi_code", "pi", "product_id"), _epoch_code),
          note="pi_code: the product (price option) of an Epoch join link", keywords=("wnu.com", "epoch", "paycom")),
    Field("segpay_eticket", ("segpay.com",), ("x-eticketid", "eticketid"),
          _first(("x-eticketid", "eticketid"), _eticket),
          note="secure2.segpay.com/billing/poset.cgi?x-eticketid=197812:25094", keywords=("segpay",)),
    Field("verotel_shop_id", _FLEXPAY_HOSTS, ("shopid", "verotel_website"),
          _first(("shopid", "verotel_website"), _shop_id),
          note="FlexPay secure.verotel.com/startorder?shopID=60678&… (also /cancel-subscription) and the same "
               "on the other FlexPay brands' hosts (secure.billing.creditcard, secure.bitsafepay.com…)",
          keywords=_FLEXPAY_KEYWORDS),
    Field("verotel_merchant_id", _FLEXPAY_HOSTS, ("verotel_id",),
          _first(("verotel_id",), _verotel_id),
          note="secure.verotel.com/cgi-bin/vtjp.pl?verotel_id=9804000000000000",
          keywords=_FLEXPAY_KEYWORDS),
    Field("paxum", ("paxum.com",), ("business_email",), lambda f: email_value(f.get("business_email")),
          note="form to paxum.com/payment/phrame.php?action=displayProcessPaymentLogin", keywords=("paxum",)),
    Field("perfect_money", ("perfectmoney.com", "perfectmoney.is", "perfect.money"), ("payee_account",),
          _first(("payee_account",), _pm_account),
          note='form to perfectmoney.com/api/step1.asp with PAYEE_ACCOUNT="U1234567"', keywords=("perfect",)),
    Field("webmoney", ("webmoney.ru", "wmtransfer.com", "web.money", "webmoney.com"), ("lmi_payee_purse",),
          _first(("lmi_payee_purse",), _wm_purse),
          note="form to merchant.webmoney.ru/lmi/payment.asp with LMI_PAYEE_PURSE",
          keywords=("webmoney", "wmtransfer", "web.money")),
    Field("webmoney_wmid", ("webmoney.ru", "wmtransfer.com", "web.money", "webmoney.com"), ("wmid",),
          _first(("wmid",), _wmid),
          note="passport.webmoney.ru/asp/certview.asp?wmid=123456789012",
          keywords=("webmoney", "wmtransfer", "web.money")),
    Field("skrill", ("skrill.com", "moneybookers.com"), ("pay_to_email",), lambda f: email_value(f.get("pay_to_email")),
          note="form to pay.skrill.com (or moneybookers.com/app/payment.pl) with pay_to_email",
          keywords=("skrill", "moneybookers")),
    Field("btcpay_store", (), ("storeid",), _first(("storeid",), _store_id),
          note="BTCPay pay button: form to https://<server>/api/v1/invoices with hidden storeId",
          keywords=("storeid",), path=re.compile(r"/(?:api/v1/)?invoices\b|/apps/")),
    Field("swish", ("swish.nu",), ("sw",), _first(("sw",), _swish_value),
          note="app.swish.nu/1/p/sw/?sw=1231234567&amt=100 payment links", keywords=("swish.nu",)),
)


# ---- regex rows ----

def _group_v(m: re.Match[str]) -> str:
    return m.group("v") if "v" in m.re.groupindex else m.group(0)


def _lower(m: re.Match[str]) -> str:
    return _group_v(m).lower()


def _upper(m: re.Match[str]) -> str:
    return _group_v(m).upper()


def _test_prefix(value: str) -> tuple[str, ...]:
    return ("test",) if value.startswith(("pk_test_", "test_")) else ()


_PLACEHOLDER_HANDLES = frozenset({"yourname", "username", "name", "yourhandle", "handle", "you", "yourlink",
                                  "paypalme", "myname"})


def _paypal_me(m: re.Match[str]) -> str | None:
    h = m.group("v").lower()
    return None if h in _PLACEHOLDER_HANDLES else h


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_UUID_RX = _UUID.pattern


def _coinbase_checkout(m: re.Match[str]) -> str:
    v = m.group("v")
    return v.lower() if _UUID.fullmatch(v) else v


def _coinbase_charge(m: re.Match[str]) -> str:
    v = m.group("v")
    return v.lower() if _UUID.fullmatch(v) else v.upper()


# The payee of a Swish payment request: {"payee": {"value": "1231181189"}} in the QR-code API body,
# the app's swish://payment?data=<JSON> link, or a JS object {payee: {value: '…'}}.
_SWISH_PAYEE = re.compile(r"""payee["']?\s*:\s*\{\s*["']?value["']?\s*:\s*["']?(?P<v>\+?[\d \-]{10,16})""")


def _swish_payee(m: re.Match[str]) -> str | None:
    return _swish_value(m.group("v"))


def _swish_deeplink(m: re.Match[str]) -> str | None:
    pm = _SWISH_PAYEE.search(unquote_plus(m.group("v")))
    return _swish_value(pm.group("v")) if pm else None


def _merchant_list(m: re.Match[str]) -> str | None:
    ids = [p.strip().upper() for p in m.group("v").split(",") if _MERCHANT_ID.fullmatch(p.strip().upper())]
    return ids[0] if len(ids) == 1 else None


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
    # ---- PayPal ----
    Pattern("paypal_me", re.compile(r"(?i)\bpaypal\.me/(?P<v>[A-Za-z0-9]{1,20})(?![A-Za-z0-9_.-])"),
            note="paypal.me/<handle> links (canonical lower-case handle)", keywords=("paypal.me",), value=_paypal_me),
    Pattern("paypal_me", re.compile(r"(?i)\bpaypal\.com/paypalme/(?P<v>[A-Za-z0-9]{1,20})(?![A-Za-z0-9_.-])"),
            note="paypal.com/paypalme/<handle>, the long form of paypal.me", keywords=("paypalme",), value=_paypal_me),
    Pattern("paypal_button_id", re.compile(r"\bhostedButtonId\s*[:=]\s*[\"'](?P<v>[A-Za-z0-9]{6,20})[\"']"),
            note="paypal.HostedButtons({hostedButtonId: \"…\"}) of the JS SDK", keywords=("hostedbuttonid",),
            value=_upper),
    Pattern("paypal_button_id", re.compile(r"hosted_button_id(?<!\whosted_button_id)\s*:\s*[\"'](?P<v>[A-Za-z0-9]{6,20})[\"']"),
            note="Donate SDK: PayPal.Donation.Button({env: 'production', hosted_button_id: '…'})",
            keywords=("paypal",), value=_upper),
    Pattern("paypal_button_id", re.compile(r"(?i)\bpaypal\.com/ncp/payment/(?P<v>[A-Za-z0-9]{6,20})\b"),
            note="PayPal no-code checkout links paypal.com/ncp/payment/<id>", keywords=("/ncp/payment/",),
            value=_upper),
    Pattern("paypal_merchant_id", re.compile(r"(?i)\bdata-merchant-id\s*=\s*[\"'](?P<v>[A-Z0-9, ]{13,200})[\"']"),
            note="<script data-merchant-id=\"…\"> when the SDK URL says merchant-id=*", keywords=("data-merchant-id",),
            value=_merchant_list),
    Pattern("paypal_client_id", re.compile(r"production\s*:\s*[\"'](?P<v>A[A-Za-z0-9_-]{50,99})[\"']"),
            note="legacy checkout.js: paypal.Button.render({client: {production: '…'}})",
            keywords=("paypal",), near=re.compile(r"client"), before=120),
    # ---- Stripe ----
    Pattern("stripe_publishable_key",
            re.compile(r"pk_(?<![0-9A-Za-z]pk_)(?:live|test)_[0-9A-Za-z]{20,250}(?![0-9A-Za-z])"),
            note="Stripe('pk_live_…'), data-key=, publishableKey: — often in a same-site .js file; "
                 "pk_test_ kept, flagged test", keywords=("pk_live_", "pk_test_"), flags=_test_prefix),
    Pattern("stripe_payment_link",
            re.compile(r"\b(?:buy|donate)\.stripe\.com/(?:[a-z]{2}(?:-[A-Za-z]{2})?/)?"
                       r"(?P<v>(?:test_)?[0-9A-Za-z]{10,40})(?![0-9A-Za-z])"),
            note="buy.stripe.com/<id> payment links; test_<id> flagged test",
            keywords=("buy.stripe.com", "donate.stripe.com"),
            flags=_test_prefix),
    Pattern("stripe_buy_button", re.compile(r"buy_btn_(?<![0-9A-Za-z_]buy_btn_)[0-9A-Za-z]{14,64}(?![0-9A-Za-z])"),
            note='<stripe-buy-button buy-button-id="buy_btn_…" publishable-key="pk_live_…">',
            keywords=("pk_live_", "pk_test_")),
    Pattern("stripe_pricing_table", re.compile(r"prctbl_(?<![0-9A-Za-z_]prctbl_)[0-9A-Za-z]{14,64}(?![0-9A-Za-z])"),
            note='<stripe-pricing-table pricing-table-id="prctbl_…" publishable-key="pk_live_…">',
            keywords=("pk_live_", "pk_test_")),
    Pattern("stripe_account", re.compile(r"acct_(?<![0-9A-Za-z]acct_)[0-9A-Za-z]{16}(?![0-9A-Za-z])"),
            note="Stripe('pk_live_…', {stripeAccount: 'acct_…'}) on Connect platforms", keywords=("acct_",),
            near=re.compile(r"stripe"), before=300),
    # ---- CCBill FlexForms (the Flex ID is in the path) ----
    Pattern("ccbill_flexform",
            re.compile(r"(?i)\bapi\.ccbill\.com/wap-frontflex/flexforms/(?P<v>" + _UUID_RX + r")(?![0-9a-fA-F-])"),
            note="FlexForms link or form action api.ccbill.com/wap-frontflex/flexforms/<Flex ID>[?clientSubacc=…]",
            keywords=("ccbill",), value=_lower),
    # ---- Epoch (path form of the join link) ----
    Pattern("epoch_account",
            re.compile(r"(?i)\bwnu\.com/secure/form\.cgi\?(?P<v>[A-Za-z0-9]{2,20})\+[A-Za-z0-9]{2,20}"),
            note="wnu.com/secure/form.cgi?<co_code>+<pi_code>+a+p", keywords=("form.cgi",), value=_lower),
    Pattern("epoch_product",
            re.compile(r"(?i)\bwnu\.com/secure/form\.cgi\?[A-Za-z0-9]{2,20}\+(?P<v>[A-Za-z0-9]{2,20})"),
            note="the pi_code in wnu.com/secure/form.cgi?<co_code>+<pi_code>+a+p", keywords=("form.cgi",),
            value=_lower),
    # ---- Coinbase Commerce, BTCPay ----
    Pattern("coinbase_commerce",
            re.compile(r"(?i)\bcommerce\.coinbase\.com/checkout/(?P<v>[A-Za-z0-9][A-Za-z0-9-]{7,39})(?![A-Za-z0-9-])"),
            note="commerce.coinbase.com/checkout/<id>: the buy-with-crypto embed button or a link (uuid or other id)",
            keywords=("coinbase",), value=_coinbase_checkout),
    Pattern("coinbase_charge",
            re.compile(r"(?i)\bcommerce\.coinbase\.com/charges/(?P<v>" + _UUID_RX + r"|[A-Z0-9]{8})(?![A-Za-z0-9-])"),
            note="a charge's hosted_url commerce.coinbase.com/charges/<CODE> (8 characters)",
            keywords=("coinbase",), value=_coinbase_charge),
    Pattern("coinbase_charge",
            re.compile(r"(?i)\bcommerce\.coinbase\.com/pay/(?P<v>" + _UUID_RX + r")(?![0-9a-fA-F-])"),
            note="a charge's hosted_url in the newer form commerce.coinbase.com/pay/<uuid>",
            keywords=("coinbase",), value=_lower),
    Pattern("coinbase_commerce",
            re.compile(r"""checkoutId(?<!\wcheckoutId)\s*[=:]\s*\{?\s*["'](?P<v>""" + _UUID_RX + r""")["']"""),
            note="react-coinbase-commerce: <CoinbaseCommerceButton checkoutId={'<uuid>'}/>",
            keywords=("coinbase",), value=_lower, near=re.compile(r"coinbase"), before=2000, after=200),
    Pattern("coinbase_charge",
            re.compile(r"""chargeId(?<!\wchargeId)\s*[=:]\s*\{?\s*["'](?P<v>""" + _UUID_RX + r"""|[A-Z0-9]{8})["']"""),
            note="react-coinbase-commerce: <CoinbaseCommerceButton chargeId={'…'}/>",
            keywords=("coinbase",), value=_coinbase_charge, near=re.compile(r"coinbase"), before=2000, after=200),
    Pattern("btcpay_app", re.compile(r"/apps/(?P<v>[1-9A-HJ-NP-Za-km-z]{20,50})/(?:pos|crowdfund|pointofsale)\b"),
            note="BTCPay point-of-sale and crowdfund apps: https://<server>/apps/<id>/pos", keywords=("/apps/",)),
    # ---- Perfect Money, WebMoney in prose ----
    Pattern("perfect_money", re.compile(r"\b[UEGB]\d{7,8}\b"),
            note="Perfect Money: U1234567 in prose or a table",
            keywords=("perfect money", "perfectmoney", "perfect-money"),
            near=re.compile(r"perfect[\s-]?money"), before=80),
    Pattern("webmoney", re.compile(r"\b[ZREUBGXKYCDLMNVH]\d{12}\b"),
            note="WebMoney purses Z123456789012 (USD), E… (EUR), R… next to a WebMoney word",
            keywords=("webmoney", "wmz", "wme", "wmr", "wmid", "purse", "кошел"),
            near=re.compile(r"webmoney|\bwm[zreubgxk]\b|purse|кошел|\bwm\b"), before=80),
    Pattern("webmoney", re.compile(r"(?i)wmk:payto\?(?:[^\"'\s<>]{0,300}?&)?purse=(?P<v>[A-Z]\d{12})(?!\d)"),
            note="WebMoney Keeper link wmk:payto?Purse=Z123456789012&Amount=…", keywords=("purse",), value=_upper),
    Pattern("webmoney_wmid", re.compile(r"(?<!\d)\d{12}(?!\d)"),
            note="WMID: 123456789012", keywords=("wmid",), near=re.compile(r"\bwmid\b"), before=30),
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
            keywords=("bankgiro", "bg:", "bg ", "bg-nr", "bg.", "bgnr"), value=_bankgiro,
            near=re.compile(r"bankgiro|(?<![a-z0-9])bg(?![a-z0-9])"), before=40),
    Pattern("plusgiro", re.compile(r"(?<![\d-])\d(?: ?\d){0,6}" + _SEP + r"\d(?![\d-])"),
            note="Plusgiro 90 20 03-3 / 4405065-1 after Plusgiro/Postgiro/PG; Luhn check digit",
            keywords=("plusgiro", "postgiro", "pg:", "pg-nr", "pg nr", "pgnr"), value=_plusgiro,
            near=re.compile(r"plusgiro|postgiro|(?<![a-z0-9])pg(?![a-z0-9])"), before=40),
    # ---- IBAN, BIC ----
    Pattern("iban", re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]){11,40}"),
            note="IBAN, compact or grouped by spaces; country length + mod-97; upper-case country code",
            keywords=("iban",), value=_iban),
    Pattern("bic", re.compile(r"(?P<v>[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]{5}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)(?![A-Za-z0-9])"),
            note="BIC ESSESESS / DEUTDEFF500 within 40 characters after BIC or SWIFT",
            keywords=(" bic", ">bic", '"bic', "(bic", "bic:", "bic/", "swift"), value=_bic,
            near=re.compile(r"\b(?:bic|swift)\b"), before=40, flags=_bic_flags),
)

# ---------------------------------------------------------------------------------------------
# Engine
# ---------------------------------------------------------------------------------------------

# A row stops after this many candidate matches in one page: real pages carry a handful, and a
# page built to repeat one pattern a million times must not cost a million context checks.
MAX_CANDIDATES_PER_ROW = 1000


_ALL_KEYWORDS = {k for row in (*PATTERNS, *FIELDS) for k in row.keywords}
_FIELD_KEYWORDS = {k for row in FIELDS for k in row.keywords}
_SCANNER = KeywordScanner(_ALL_KEYWORDS | {"<form"})

_FIELDS_BY_HOST: dict[str, list[Field]] = {}
for _row in FIELDS:
    for _h in _row.hosts:
        _FIELDS_BY_HOST.setdefault(_h, []).append(_row)
_ANY_HOST_FIELDS = [row for row in FIELDS if not row.hosts]

_URL = re.compile(r"//(?P<host>[A-Za-z0-9][\w.-]{0,252}\.[A-Za-z]{2,63})(?::\d{1,5})?(?P<path>/[^\s\"'<>\\`]{0,2000})?")
_FORM = re.compile(r"(?i)<form\b[^>]{0,2000}>")
_FORM_END = re.compile(r"(?i)</form\s*>|<form\b")   # an unclosed form ends where the next begins
_INPUT = re.compile(r"(?i)<(?:input|button)\b[^>]{0,2000}>")
_ATTR = re.compile(r"""([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
MAX_FORM_CHARS = 50_000


def _attrs(tag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR.finditer(tag):
        name = m.group(1).lower()
        if name not in out:
            raw = m.group(2) if m.group(2) is not None else m.group(3) if m.group(3) is not None else m.group(4)
            out[name] = _ENTITY.sub(_entity, raw) if "&" in raw else raw
    return out


def _query(path: str) -> dict[str, str]:
    """Query (and fragment) parameters, names lower-case, first value kept, not yet decoded."""
    out: dict[str, str] = {}
    _, _, q = path.partition("?")
    for part in re.split(r"[&;#?]", q):
        name, eq, val = part.partition("=")
        if eq:
            out.setdefault(unquote_plus(name).strip().lower(), val)
    return out


def _rows_for_host(host: str) -> list[Field]:
    labels = host.lower().rstrip(".").split(".")
    rows: list[Field] = []
    for i in range(len(labels) - 1):
        rows.extend(_FIELDS_BY_HOST.get(".".join(labels[i:]), ()))
    return rows


def _split_url(url: str) -> tuple[str, str] | None:
    m = re.match(r"\s*(?:[A-Za-z][\w+.-]*:)?//([^/?#\s:]+)(?::\d+)?([^\s]*)", url)
    if not m:
        return None
    path = m.group(2) or "/"
    if not path.startswith("/"):
        path = "/" + path
    return m.group(1).lower(), path


def _forms(page: Page) -> Iterator[tuple[str, str, dict[str, str], int, int]]:
    """(host, path, fields, start, end) of each form with an absolute action; fields holds the
    action's query parameters and every named input/button value (names lower-case)."""
    text = page.text
    for n, fm in enumerate(_FORM.finditer(text)):
        if n >= MAX_CANDIDATES_PER_ROW:
            break
        split = _split_url(_attrs(fm.group(0)).get("action", ""))
        if split is None:
            continue
        host, path = split
        end_m = _FORM_END.search(text, fm.end(), fm.end() + MAX_FORM_CHARS)
        body = text[fm.end():end_m.start() if end_m else fm.end() + MAX_FORM_CHARS]
        fields = _query(path)
        for im in _INPUT.finditer(body):
            a = _attrs(im.group(0))
            if "name" in a and "value" in a:
                fields[a["name"].strip().lower()] = a["value"]
        yield host, path, fields, fm.start(), fm.end()


def _field_rows(host: str, path: str) -> list[Field]:
    rows = _rows_for_host(host)
    if _ANY_HOST_FIELDS:
        rows = rows + [r for r in _ANY_HOST_FIELDS if r.path is not None and r.path.search(path)]
    return rows


# Values a checksum or registry already vouches for: the placeholder check is not theirs.
_CHECKSUMMED = frozenset({"iban", "bic", "bankgiro", "plusgiro"})


def _placeholder(kind: str, value: str) -> bool:
    return kind not in _CHECKSUMMED and is_placeholder(value)


def _near_ok(row: Pattern, text: str, start: int, end: int) -> bool:
    if row.near is None:
        return True
    window = text[max(0, start - row.before):start].lower()
    if row.near.search(window):
        return True
    return bool(row.after) and bool(row.near.search(text[end:end + row.after].lower()))


def run_patterns(rows: Iterable[Pattern], text: str, present: frozenset[str]) -> Iterator[Identifier]:
    """Identifiers from the regex rows whose keywords are present (an empty keyword list runs always)."""
    for row in rows:
        if row.keywords and present.isdisjoint(row.keywords):
            continue
        seen: set[str] = set()
        for n, m in enumerate(row.regex.finditer(text)):
            if n >= MAX_CANDIDATES_PER_ROW:
                break
            got = row.value(m) if row.value else _group_v(m)
            if not got:
                continue
            value, raw = got if isinstance(got, tuple) else (got, m.group(0))
            if value in seen or _placeholder(row.kind, value) or not _near_ok(row, text, m.start(), m.end()):
                continue
            seen.add(value)
            flags = row.flags(value) if row.flags else ()
            yield Identifier(row.kind, value, raw, snippet(text, m.start(), m.end()), flags)


def _apply_fields(rows: list[Field], host: str, path: str, fields: dict[str, str], present: frozenset[str],
                  text: str, start: int, end: int) -> Iterator[Identifier]:
    test = ("test",) if _TEST_HOST.search(host) else ()
    for row in rows:
        if row.keywords and present.isdisjoint(row.keywords):
            continue
        if row.hosts and row.path is not None and not row.path.search(path):
            continue
        got = {n: fields[n] for n in row.names if n in fields}
        if not got:
            continue
        values = row.value(got)
        if not values:
            continue
        raw = "&".join(f"{n}={v}" for n, v in got.items())[:200]
        for value in ([values] if isinstance(values, str) else values):
            if not _placeholder(row.kind, value):
                yield Identifier(row.kind, value, raw, snippet(text, start, end), test)


_TEST_HOST = re.compile(r"(?:^|\.)(?:sandbox|test|stg|stage|qa)[\w-]*\.")


def _run_fields(page: Page, norm: str, present: frozenset[str]) -> Iterator[Identifier]:
    """FIELDS rows over every form posting to, and every absolute link to, a processor host."""
    if present.isdisjoint(_FIELD_KEYWORDS):
        return
    if page.is_html and "<form" in present:
        for host, path, fields, start, end in _forms(page):
            rows = _field_rows(host, path)
            if rows:
                yield from _apply_fields(rows, host, path, fields, present, page.text, start, end)
    for um in _URL.finditer(norm):
        host, path = um.group("host").lower(), um.group("path") or "/"
        rows = _field_rows(host, path)
        if rows and "=" in path:
            yield from _apply_fields(rows, host, path, _query(path), present, norm, um.start(), um.end())


def extract(page: Page) -> Iterator[Identifier]:
    """Payment identifiers in a page (HTML, JS, JSON or text); pure, never raises.

    Accepts e.g. ``<form action="https://www.paypal.com/cgi-bin/webscr"><input name="business"
    value="seller@shop-a.se">`` -> paypal_business ``seller@shop-a.se``; a bare ``1234567890``
    with no Swish word nearby gives nothing.
    """
    try:
        yield from _extract(page)
    except Exception:  # a malformed page must never stop a crawl; tests cover the rows themselves
        return


def _extract(page: Page) -> Iterator[Identifier]:
    if not page.text:
        return
    present = _SCANNER.present(page)
    if not present:
        return
    norm = norm_text(page)
    seen: set[tuple[str, str]] = set()
    for ident in (*_run_fields(page, norm, present), *run_patterns(PATTERNS, norm, present)):
        key = (ident.kind, ident.value)
        if key not in seen:
            seen.add(key)
            yield ident

