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

The bank-account-style rows (Swish, Bankgiro, Plusgiro, IBAN, BIC) live in
crawler/extractors/bank_accounts.py; the rows' engine (keyword scan, page views, forms) in
crawler/extractors/rows.py, shared with the trackers family.

Supporting one more processor is one row here plus one test row.  Every row names the
lower-case keywords that must occur in the page for it to run: one Aho-Corasick pass over the
lower-cased page decides which rows run, so a page without any processor costs almost nothing.
"""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import unquote_plus

from crawler.extractors import bank_accounts
from crawler.extractors.model import Identifier, Kind, Page
from crawler.extractors.rows import (Field, FieldTable, KeywordScanner, Pattern, first,
                                     group_v, is_placeholder, norm_text, run_patterns, shape)

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
    *bank_accounts.KINDS,
)


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


_MERCHANT_ID = re.compile(r"[A-Z0-9]{13}")


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


_button_id = shape(r"[A-Z0-9]{6,20}", str.upper)
# REST app client ids start with A (classic) or B (the ids the hosted-buttons code generator prints).
_client_id = shape(r"[AB][A-Za-z0-9_-]{19,99}")


def _ccbill(f: dict[str, str]) -> str | None:
    acc = shape(r"\d{5,7}")(f.get("clientaccnum"))
    if acc is None:
        return None
    sub = shape(r"\d{4}")(f.get("clientsubacc"))
    return f"{acc}/{sub}" if sub else acc


_epoch_code = shape(r"[A-Za-z0-9]{2,20}", str.lower)
_eticket = shape(r"\d{3,10}(?::\d{1,10})?")
_shop_id = shape(r"\d{2,10}")
_verotel_id = shape(r"9\d{15}")
_pm_account = shape(r"[UEGBuegb]\d{6,9}", str.upper)
_wm_purse = shape(r"[A-Za-z]\d{12}", str.upper)
_wmid = shape(r"\d{12}")
# BTCPay store ids are 32 random bytes in base58 (43-44 characters).
_store_id = shape(r"[1-9A-HJ-NP-Za-km-z]{40,50}")


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
    Field("paypal_button_id", ("paypal.com",), ("hosted_button_id",), first(("hosted_button_id",), _button_id),
          note="saved button: cmd=_s-xclick + hosted_button_id", keywords=("paypal",)),
    Field("paypal_client_id", ("paypal.com",), ("client-id",), first(("client-id",), _client_id),
          note="<script src=\"https://www.paypal.com/sdk/js?client-id=…\">", keywords=("paypal",),
          path=re.compile(r"^/sdk/js")),
    Field("paypal_merchant_id", ("paypal.com",), ("merchant-id",), _paypal_merchant_ids,
          note="SDK merchant-id=ID[,ID…]", keywords=("paypal",), path=re.compile(r"^/sdk/js")),
    Field("ccbill_account", ("ccbill.com",), ("clientaccnum", "clientsubacc"), _ccbill,
          note="bill.ccbill.com/jpost/signup.cgi?clientAccnum=900000&clientSubacc=0000, FlexForms links, "
               "hidden fields", keywords=("ccbill",)),
    Field("epoch_account", ("wnu.com", "epoch.com", "paycom.net"), ("co_code", "co"),
          first(("co_code", "co"), _epoch_code),
          note="wnu.com/secure/fpost.cgi?co_code=…&pi_code=…; epoch.com join links",
          keywords=("wnu.com", "epoch", "paycom")),
    Field("epoch_product", ("wnu.com", "epoch.com", "paycom.net"), ("pi_code", "pi", "product_id"),
          first(("pi_code", "pi", "product_id"), _epoch_code),
          note="pi_code: the product (price option) of an Epoch join link", keywords=("wnu.com", "epoch", "paycom")),
    Field("segpay_eticket", ("segpay.com",), ("x-eticketid", "eticketid"),
          first(("x-eticketid", "eticketid"), _eticket),
          note="secure2.segpay.com/billing/poset.cgi?x-eticketid=197812:25094", keywords=("segpay",)),
    Field("verotel_shop_id", _FLEXPAY_HOSTS, ("shopid", "verotel_website"),
          first(("shopid", "verotel_website"), _shop_id),
          note="FlexPay secure.verotel.com/startorder?shopID=60678&… (also /cancel-subscription) and the same "
               "on the other FlexPay brands' hosts (secure.billing.creditcard, secure.bitsafepay.com…)",
          keywords=_FLEXPAY_KEYWORDS),
    Field("verotel_merchant_id", _FLEXPAY_HOSTS, ("verotel_id",),
          first(("verotel_id",), _verotel_id),
          note="secure.verotel.com/cgi-bin/vtjp.pl?verotel_id=9804000000000000",
          keywords=_FLEXPAY_KEYWORDS),
    Field("paxum", ("paxum.com",), ("business_email",), lambda f: email_value(f.get("business_email")),
          note="form to paxum.com/payment/phrame.php?action=displayProcessPaymentLogin", keywords=("paxum",)),
    Field("perfect_money", ("perfectmoney.com", "perfectmoney.is", "perfect.money"), ("payee_account",),
          first(("payee_account",), _pm_account),
          note='form to perfectmoney.com/api/step1.asp with PAYEE_ACCOUNT="U1234567"', keywords=("perfect",)),
    Field("webmoney", ("webmoney.ru", "wmtransfer.com", "web.money", "webmoney.com"), ("lmi_payee_purse",),
          first(("lmi_payee_purse",), _wm_purse),
          note="form to merchant.webmoney.ru/lmi/payment.asp with LMI_PAYEE_PURSE",
          keywords=("webmoney", "wmtransfer", "web.money")),
    Field("webmoney_wmid", ("webmoney.ru", "wmtransfer.com", "web.money", "webmoney.com"), ("wmid",),
          first(("wmid",), _wmid),
          note="passport.webmoney.ru/asp/certview.asp?wmid=123456789012",
          keywords=("webmoney", "wmtransfer", "web.money")),
    Field("skrill", ("skrill.com", "moneybookers.com"), ("pay_to_email",), lambda f: email_value(f.get("pay_to_email")),
          note="form to pay.skrill.com (or moneybookers.com/app/payment.pl) with pay_to_email",
          keywords=("skrill", "moneybookers")),
    Field("btcpay_store", (), ("storeid",), first(("storeid",), _store_id),
          note="BTCPay pay button: form to https://<server>/api/v1/invoices with hidden storeId",
          keywords=("storeid",), path=re.compile(r"/(?:api/v1/)?invoices\b|/apps/")),
    *bank_accounts.FIELDS,
)


def _lower(m: re.Match[str]) -> str:
    return group_v(m).lower()


def _upper(m: re.Match[str]) -> str:
    return group_v(m).upper()


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


def _merchant_list(m: re.Match[str]) -> str | None:
    ids = [p.strip().upper() for p in m.group("v").split(",") if _MERCHANT_ID.fullmatch(p.strip().upper())]
    return ids[0] if len(ids) == 1 else None


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
    *bank_accounts.PATTERNS,
)

_SCANNER = KeywordScanner({k for row in (*PATTERNS, *FIELDS) for k in row.keywords} | {"<form"})
_FIELDS = FieldTable(FIELDS)


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
    for ident in (*_FIELDS.run(page, norm, present), *run_patterns(PATTERNS, norm, present)):
        key = (ident.kind, ident.value)
        if key not in seen:
            seen.add(key)
            yield ident

