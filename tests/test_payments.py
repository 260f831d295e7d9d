"""Payments family: realistic markup for each integration, decoys that must not match, the
checksum vectors (IBAN registry examples, Luhn), and arbitrary input never raising."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings, strategies as st

from crawler.extractors import checksums, payments, rows
from crawler.extractors.model import Page
from tests.formsweb import FORMS

KINDS = {k.kind for k in payments.KINDS}


def found(text: str, content_type: str = "html", url: str | None = "https://shop-a.se/") -> set[tuple]:
    return {(i.kind, i.value, i.flags) for i in payments.extract(Page(text, url=url, content_type=content_type))}


# (id, content_type, text, expected (kind, value, flags) — all must be found)
MATCHES = [
    ("paypal-button-form", "html", """
<form action="https://www.paypal.com/cgi-bin/webscr" method="post" target="_top">
  <input type="hidden" name="cmd" value="_xclick">
  <input value="Sales&#64;Shop-A.se" type="hidden" name="business">
  <input type="hidden" name="item_name" value="VIP access">
  <input type="image" src="https://www.paypalobjects.com/en_US/i/btn/btn_buynowCC_LG.gif" name="submit">
</form>""", [("paypal_business", "sales@shop-a.se", ())]),
    ("paypal-saved-button", "html", """
<form target="paypal" action='https://www.paypal.com/cgi-bin/webscr' method=post>
<input type=hidden name=cmd value=_s-xclick><input type=hidden name=hosted_button_id value=8JK2NZQ3WXYZA>
</form>""", [("paypal_button_id", "8JK2NZQ3WXYZA", ())]),
    ("paypal-business-merchant-id", "html", """
<form action="https://www.paypal.com/cgi-bin/webscr" method="post">
<input name="business" type="hidden" value="XVBN3J4QNZ2WE"></form>""",
     [("paypal_merchant_id", "XVBN3J4QNZ2WE", ())]),
    ("paypal-sandbox-flagged-test", "html", """
<form action="https://www.sandbox.paypal.com/cgi-bin/webscr" method="post">
<input type="hidden" name="business" value="dev-facilitator@shop-a.se"></form>""",
     [("paypal_business", "dev-facilitator@shop-a.se", ("test",))]),
    ("paypal-xclick-link", "html",
     '<a href="https://www.paypal.com/cgi-bin/webscr?cmd=_xclick&amp;business=sales%40shop-b.com'
     '&amp;item_name=Gold&amp;amount=20.00&amp;currency_code=USD">Buy</a>',
     [("paypal_business", "sales@shop-b.com", ())]),
    ("paypal-sdk-script", "html",
     '<script src="https://www.paypal.com/sdk/js?client-id=AYSq3RDGsmBLJE-otTkBtM-jBRd1TCQwFf9RGfwddNXWz0uFU9z'
     '&amp;merchant-id=XVBN3J4QNZ2WE&amp;currency=EUR&amp;components=buttons"></script>',
     [("paypal_client_id", "AYSq3RDGsmBLJE-otTkBtM-jBRd1TCQwFf9RGfwddNXWz0uFU9z", ()),
      ("paypal_merchant_id", "XVBN3J4QNZ2WE", ())]),
    ("paypal-hosted-buttons-js", "js",
     'paypal.HostedButtons({ hostedButtonId: "W4KZ8Q7B2XH3L" }).render("#paypal-container-W4KZ8Q7B2XH3L");',
     [("paypal_button_id", "W4KZ8Q7B2XH3L", ())]),
    ("paypal-me", "html", '<a href="https://www.paypal.me/ShopA/25EUR">Tip us</a> or paypal.com/paypalme/shopb',
     [("paypal_me", "shopa", ()), ("paypal_me", "shopb", ())]),
    ("paypal-ncp-link-and-data-merchant-id", "html",
     '<a href="https://www.paypal.com/ncp/payment/Q4ZKX8M2LBN7C">Buy</a>'
     '<script src="https://www.paypal.com/sdk/js?client-id=AYSq3RDGsmBLJE-otTkBtM-jBRd1TCQwFf9RGfwddNXWz0uFU9z'
     '&merchant-id=*" data-merchant-id="XVBN3J4QNZ2WE"></script>',
     [("paypal_button_id", "Q4ZKX8M2LBN7C", ()), ("paypal_merchant_id", "XVBN3J4QNZ2WE", ())]),
    ("paypal-legacy-checkout-js", "js", """paypal.Button.render({
  env: 'production',
  client: {
    sandbox: 'AZDxjDScFpQtjWTOUtWKbyN_bDt4OgqaF4eYXlewfBP4-8aqX3PiV8e1GWU6liB2CUXlkA59kJXE7M6R',
    production: 'AQkquBDf1zctJOWGKWUEtKXm6qVhueUEMvXO_-MCI4DQQ4-LWvkDLIN2fGsd8Wz8n4fIM5pGc3SzF2Ri'
  }
}, '#paypal-button');""", [("paypal_client_id",
                            "AQkquBDf1zctJOWGKWUEtKXm6qVhueUEMvXO_-MCI4DQQ4-LWvkDLIN2fGsd8Wz8n4fIM5pGc3SzF2Ri", ())]),
    ("stripe-key-in-external-js", "js", """
const stripe = Stripe('pk_live_51H8xYzKpQrStUvWxYz0123456789abcdefABCDEF');
const elements = stripe.elements();""", [("stripe_publishable_key", "pk_live_51H8xYzKpQrStUvWxYz0123456789abcdefABCDEF", ())]),
    ("stripe-key-json-test-flagged", "json",
     '{"stripe": {"publishableKey": "pk_test_TYooMQauvdEDq54NiTphI7jx"}, "currency": "sek"}',
     [("stripe_publishable_key", "pk_test_TYooMQauvdEDq54NiTphI7jx", ("test",))]),
    ("stripe-connect-account", "js",
     "var stripe = Stripe('pk_live_51Habcdefghijklmnopqrstuv', {stripeAccount: 'acct_1032D82eZvKYlo2C'});",
     [("stripe_account", "acct_1032D82eZvKYlo2C", ()),
      ("stripe_publishable_key", "pk_live_51Habcdefghijklmnopqrstuv", ())]),
    ("stripe-payment-link", "html",
     '<a href="https://buy.stripe.com/28o5nV7uW0Cc1Ko5kk">Pay</a> <a href="https://buy.stripe.com/test_6oE3cf2ab0w3xK4gg">t</a>',
     [("stripe_payment_link", "28o5nV7uW0Cc1Ko5kk", ()), ("stripe_payment_link", "test_6oE3cf2ab0w3xK4gg", ("test",))]),
    ("ccbill-signup-link", "html",
     '<a href="https://bill.ccbill.com/jpost/signup.cgi?clientAccnum=900000&amp;clientSubacc=0000&amp;formName=211cc'
     '&amp;language=English&amp;allowedTypes=0000000066:840">Join now</a>',
     [("ccbill_account", "900000/0000", ())]),
    ("ccbill-hidden-fields", "html", """
<form method="post" action="https://bill.ccbill.com/jpost/signup.cgi">
 <input type="hidden" name="clientSubacc" value="0002">
 <input type="hidden" name="clientAccnum" value="912345">
 <input type="hidden" name="formName" value="211cc"></form>""", [("ccbill_account", "912345/0002", ())]),
    ("ccbill-json-escaped", "json",
     '{"join":"https:\\/\\/bill.ccbill.com\\/jpost\\/signup.cgi?clientAccnum=900001\\u0026clientSubacc=0001"}',
     [("ccbill_account", "900001/0001", ())]),
    ("epoch-fpost-form", "html", """
<form action="https://wnu.com/secure/fpost.cgi" method="post">
<input type="hidden" name="co_code" value="ab1"><input type="hidden" name="pi_code" value="1234567xx">
<input type="hidden" name="reseller" value="a"></form>""",
     [("epoch_account", "ab1", ()), ("epoch_product", "1234567xx", ())]),
    ("epoch-form-cgi-link", "html", '<a href="https://wnu.com/secure/form.cgi?zz9+99887766+a+p">Join</a>',
     [("epoch_account", "zz9", ()), ("epoch_product", "99887766", ())]),
    ("segpay-link", "html",
     '<a href="https://secure2.segpay.com/billing/poset.cgi?x-eticketid=197812:25094&amp;x-auth-link=x">Join</a>',
     [("segpay_eticket", "197812:25094", ())]),
    ("verotel-startorder", "html",
     '<a href="https://secure.verotel.com/startorder?version=4&amp;shopID=60678&amp;priceAmount=9.99'
     '&amp;priceCurrency=EUR&amp;signature=ab12">Buy</a>'
     '<a href="https://secure.verotel.com/cgi-bin/vtjp.pl?verotel_id=9804000000012345&verotel_website=70123">old</a>',
     [("verotel_shop_id", "60678", ()), ("verotel_shop_id", "70123", ()),
      ("verotel_merchant_id", "9804000000012345", ())]),
    ("paxum-button", "html", """
<form action="https://www.paxum.com/payment/phrame.php?action=displayProcessPaymentLogin" method="post">
<input type="hidden" name="business_email" value="billing@shop-c.net"><input type="hidden" name="button_type_id" value="1">
</form>""", [("paxum", "billing@shop-c.net", ())]),
    ("perfect-money-form", "html", """
<form action="https://perfectmoney.com/api/step1.asp" method="POST">
<input type="hidden" name="PAYEE_ACCOUNT" value="U1234567"><input type="hidden" name="PAYEE_NAME" value="Shop">
</form>""", [("perfect_money", "U1234567", ())]),
    ("perfect-money-prose", "html", "<p>Pay by Perfect Money: <b>E7654321</b></p>", [("perfect_money", "E7654321", ())]),
    ("webmoney-merchant-form", "html", """
<form method="POST" action="https://merchant.webmoney.ru/lmi/payment.asp">
<input type="hidden" name="LMI_PAYMENT_AMOUNT" value="10.0"><input type="hidden" name="LMI_PAYEE_PURSE" value="Z123456789012">
</form>""", [("webmoney", "Z123456789012", ())]),
    ("webmoney-prose-and-wmid", "html",
     "<p>WMZ: Z210987654321 · WME E123412341234</p><p>Our WMID: 123456789012</p>"
     '<a href="https://passport.webmoney.ru/asp/certview.asp?wmid=210987654321">passport</a>',
     [("webmoney", "Z210987654321", ()), ("webmoney", "E123412341234", ()),
      ("webmoney_wmid", "123456789012", ()), ("webmoney_wmid", "210987654321", ())]),
    ("skrill-form", "html", """
<form action="https://pay.skrill.com" method="post" target="_blank">
<input type="hidden" name="pay_to_email" value="merchant@shop-d.org"></form>""", [("skrill", "merchant@shop-d.org", ())]),
    ("coinbase-commerce", "html",
     '<a class="buy-with-crypto" href="https://commerce.coinbase.com/checkout/6DA189F1-79F4-4B8E-9D3C-1F2A3B4C5D6E">Pay</a>',
     [("coinbase_commerce", "6da189f1-79f4-4b8e-9d3c-1f2a3b4c5d6e", ())]),
    ("btcpay-pay-button", "html", """
<form method="POST" action="https://pay.shop-c.net/api/v1/invoices" class="btcpay-form">
  <input type="hidden" name="storeId" value="6Mz7sRvGpKVJ6qQh9W3hZ6DaBEiS1hC9QYdCUFrVLFhV" />
  <input type="hidden" name="price" value="10" /></form>
<a href="https://pay.shop-c.net/apps/3sBhyAeGbfbBFQPyH4Q8vUEFqsDg/pos">Shop</a>""",
     [("btcpay_store", "6Mz7sRvGpKVJ6qQh9W3hZ6DaBEiS1hC9QYdCUFrVLFhV", ()),
      ("btcpay_app", "3sBhyAeGbfbBFQPyH4Q8vUEFqsDg", ())]),
    ("swish-sv", "html", "<p>Betala med <strong>Swish</strong> till 123 456 78 90 eller swishnummer 1231234567.</p>",
     [("swish", "1234567890", ()), ("swish", "1231234567", ())]),
    ("swish-payment-link", "html", '<a href="https://app.swish.nu/1/p/sw/?sw=1239876543&amp;amt=100&amp;cur=SEK">Swish</a>',
     [("swish", "1239876543", ())]),
    ("btcpay-invoice-link", "html",
     '<a href="https://btcpay.shop-e.net/api/v1/invoices?storeId=AbCdEfGhJkLmNpQrStUvWxYz23456789abcdefghij&price=5">'
     'Pay with Bitcoin</a>', [("btcpay_store", "AbCdEfGhJkLmNpQrStUvWxYz23456789abcdefghij", ())]),
    ("perfect-money-is-and-moneybookers", "html", """
<form action="https://perfectmoney.is/api/step1.asp" method="POST"><input type="hidden" name="PAYEE_ACCOUNT" value="u7654321"></form>
<form action="https://www.moneybookers.com/app/payment.pl"><input type="hidden" name="pay_to_email" value="Old@Shop-D.org"></form>
<a href="https://secure.billing.creditcard/startorder?shopID=112233&amp;version=4">card</a>""",
     [("perfect_money", "U7654321", ()), ("skrill", "old@shop-d.org", ()), ("verotel_shop_id", "112233", ())]),
    ("swish-json", "json", '{"payment": {"swish": "123-1112233"}}', [("swish", "1231112233", ())]),
    ("bankgiro", "html", "<p>Bankgiro: 5050-1055</p><p>BG 900-8004</p>",
     [("bankgiro", "5050-1055", ()), ("bankgiro", "900-8004", ())]),
    ("plusgiro", "html", "<td>Plusgiro</td><td>90 20 03-3</td> <p>PG: 900122-3</p>",
     [("plusgiro", "902003-3", ()), ("plusgiro", "900122-3", ())]),
    ("iban-grouped-and-bic", "html", "<p>IBAN: SE45 5000 0000 0583 9825 7466 BIC: ESSESESS</p>",
     [("iban", "SE4550000000058398257466", ()), ("bic", "ESSESESS", ())]),
    ("iban-compact-json", "json", '{"iban": "DE89370400440532013000", "bic": "DEUTDEFF500"}',
     [("iban", "DE89370400440532013000", ()), ("bic", "DEUTDEFF500", ())]),
    ("iban-in-table", "html", "<tr><th>IBAN</th><td>GB82 WEST 1234 5698 7654 32</td><th>SWIFT</th><td>NWBKGB2L</td></tr>",
     [("iban", "GB82WEST12345698765432", ()), ("bic", "NWBKGB2L", ())]),
]


@pytest.mark.parametrize("content_type,text,expected", [m[1:] for m in MATCHES], ids=[m[0] for m in MATCHES])
def test_realistic_markup_is_found(content_type, text, expected):
    got = found(text, content_type)
    for item in expected:
        assert item in got, f"{item} not in {got}"
    assert {k for k, _, _ in got} <= KINDS


# (id, content_type, text, kind that must NOT be found (None: nothing at all))
DECOYS = [
    ("order-number-not-swish", "html", "<p>Order 1234567890 shipped. Ref 1231234567</p>", None),
    ("swish-word-too-far", "html", "<p>Swish accepted.</p>" + "<p>" + "x" * 200 + "</p><p>Order 1231234567</p>", "swish"),
    ("swish-eleven-digits", "html", "<p>Swish: 12345678901</p>", "swish"),
    ("bankgiro-bad-check-digit", "html", "<p>Bankgiro: 5050-1056</p>", "bankgiro"),
    ("bankgiro-no-context", "html", "<p>Art.nr 5050-1055</p>", "bankgiro"),
    ("plusgiro-bad-check-digit", "html", "<p>Plusgiro 90 20 03-4</p>", "plusgiro"),
    ("iban-broken-check-digits", "html", "<p>IBAN: GB82 WEST 1234 5698 7654 33</p>", "iban"),
    ("iban-wrong-length", "html", "<p>IBAN: DE8937040044053201300</p>", "iban"),
    ("iban-no-such-country", "html", "<p>IBAN: US64SVBKUS6S3300958879</p>", "iban"),
    ("bic-without-context", "html", "<p>ESSESESS HANDSESS</p><p>iban</p>", "bic"),
    ("bic-not-a-country", "html", "<p>BIC: ESSEQQSS</p>", "bic"),
    ("form-to-other-host", "html",
     '<form action="https://shop-a.se/checkout"><input name="business" value="sales@shop-a.se"></form> paypal', None),
    ("field-of-next-unclosed-form", "html",
     '<form action="https://www.paypal.com/cgi-bin/webscr"><input name="cmd" value="_xclick">'
     '<form action="https://shop-a.se/search"><input name="business" value="sales@shop-a.se"></form>', None),
    ("placeholder-business", "html",
     '<form action="https://www.paypal.com/cgi-bin/webscr"><input name="business" value="you@example.com"></form>', None),
    ("paypal-me-placeholder", "html", "<p>Send to paypal.me/YourName</p>", None),
    ("pk-live-too-short", "js", "Stripe('pk_live_123');", None),
    ("pk-inside-word", "js", "var x = 'xpk_live_51H8xYzKpQrStUvWxYz0123456789';", None),
    ("perfect-money-no-account", "html", "<p>We accept Perfect Money.</p>" + "<p>news</p>" * 12 + "<p>SKU U1234567</p>", "perfect_money"),
    ("webmoney-purse-no-context", "html", "<p>Model Z123456789012</p>", "webmoney"),
    ("ccbill-non-numeric", "html", '<a href="https://bill.ccbill.com/jpost/signup.cgi?clientAccnum=ACCOUNT">j</a>', None),
    ("coinbase-id-too-short", "html", '<a href="https://commerce.coinbase.com/checkout/abc">x</a>', None),
    ("coinbase-charge-not-a-code", "html", '<a href="https://commerce.coinbase.com/charges/ABC">x</a>', None),
    ("checkout-id-of-another-vendor", "js",
     "const checkoutId = '6da189f1-79f4-4b8e-9d3c-1f2a3b4c5d6e'; shopify.open({checkoutId});", None),
    ("swish-payee-without-swish", "json", '{"payee": {"value": "1231181189"}, "bank": "x"}', "swish"),
    ("prctbl-inside-a-word", "js", "var x = 'myprctbl_1MfP4kDNsVQ3fzIn9VqMw4E5';", "stripe_pricing_table"),
    ("placeholder-email-domain", "html",
     '<form action="https://www.paypal.com/cgi-bin/webscr"><input name="business" value="me@youremail.com"></form>', None),
    ("wmk-purse-malformed", "html", '<a href="wmk:payto?Purse=Z12345&Amount=1">pay</a> webmoney', "webmoney"),
    ("empty", "html", "", None),
]


@pytest.mark.parametrize("content_type,text,kind", [d[1:] for d in DECOYS], ids=[d[0] for d in DECOYS])
def test_decoys_do_not_match(content_type, text, kind):
    got = found(text, content_type)
    if kind is None:
        assert not got, got
    else:
        assert not [g for g in got if g[0] == kind], got


def test_identifier_carries_raw_and_short_context():
    text = "<p>" + "lorem ipsum " * 40 + "Bankgiro: 5050-1055" + " dolor sit" * 40 + "</p>"
    [ident] = list(payments.extract(Page(text, content_type="html")))
    assert ident.raw == "5050-1055"
    assert "5050-1055" in ident.context and len(ident.context) <= 200


def test_every_row_kind_is_declared_and_documented():
    for row in (*payments.PATTERNS, *payments.FIELDS):
        assert row.kind in KINDS
        assert row.note and row.keywords, row
    assert all(k.strength in ("strong", "medium", "weak") for k in payments.KINDS)


def test_url_parameters_keep_legacy_entity_names():
    # html.unescape would turn "&currency=" into "¤cy="; the merchant id must survive.
    text = '<script src="https://www.paypal.com/sdk/js?merchant-id=XVBN3J4QNZ2WE&currency=EUR"></script>'
    assert ("paypal_merchant_id", "XVBN3J4QNZ2WE", ()) in found(text)


# ---- checksums (IBAN registry examples; Luhn) ----

REGISTRY_IBANS = [
    "GB29NWBK60161331926819", "GB82WEST12345698765432", "DE89370400440532013000", "SE4550000000058398257466",
    "NO9386011117947", "FR1420041010050500013M02606", "BE68539007547034", "NL91ABNA0417164300",
    "CH9300762011623852957", "AT611904300234573201", "ES9121000418450200051332", "IT60X0542811101000000123456",
    "DK5000400440116243", "FI2112345600000785", "PL61109010140000071219812874", "MT84MALT011000012345MTLCAST001S",
    "LC55HEMM000100010012001200023015", "SC18SSCB11010000000000001497USD", "RU0304452522540817810538091310419",
    "BR1800360305000010009795493C1", "KW81CBKU0000000000001234560101", "SA0380000000608010167519",
]


@pytest.mark.parametrize("iban", REGISTRY_IBANS)
def test_registry_ibans_are_valid(iban):
    assert checksums.iban_ok(iban)
    grouped = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4)).lower()
    assert checksums.iban_canonical(grouped) == iban


@pytest.mark.parametrize("iban", REGISTRY_IBANS)
def test_one_changed_digit_breaks_the_iban(iban):
    pos = max(i for i, ch in enumerate(iban) if ch.isdigit() and i >= 4)
    broken = iban[:pos] + str((int(iban[pos]) + 1) % 10) + iban[pos + 1:]
    assert not checksums.iban_ok(broken)


@pytest.mark.parametrize("bad", ["", "GB", "GB82WEST1234569876543", "XX82WEST12345698765432", "GB8XWEST12345698765432",
                                 None, 12345, "GB82-WEST-1234-5698-7654-32", "Ｇ" * 22])
def test_iban_rejects_malformed(bad):
    assert not checksums.iban_ok(bad)


@pytest.mark.parametrize("country,length", [("SE", 24), ("NO", 15), ("LC", 32), ("RU", 33), ("DE", 22),
                                            ("US", None), ("XX", None), ("se", None), ("S", None), ("ÅÄ", None),
                                            (None, None), (["SE"], None)])
def test_iban_length_comes_from_the_registry(country, length):
    assert checksums.iban_length(country) == length


@pytest.mark.parametrize("digits,ok", [("79927398713", True), ("79927398710", False), ("0", False), ("", False),
                                       ("12a", False), ("5050-1055", False)])
def test_luhn(digits, ok):
    assert checksums.luhn_ok(digits) is ok


@pytest.mark.parametrize("text,canon", [("5050-1055", "5050-1055"), ("50501055", "5050-1055"), ("900-8004", "900-8004"),
                                        ("5050-1056", None), ("123-4567", None), ("12345", None)])
def test_bankgiro(text, canon):
    assert checksums.bankgiro_canonical(text) == canon


@pytest.mark.parametrize("text,canon", [("90 20 03-3", "902003-3"), ("900122-3", "900122-3"), ("90 20 03-4", None),
                                        ("1", None), ("123456789-0", None)])
def test_plusgiro(text, canon):
    assert checksums.plusgiro_canonical(text) == canon


@pytest.mark.parametrize("bic,ok", [("ESSESESS", True), ("DEUTDEFF500", True), ("NWBKGB2L", True), ("ESSEQQSS", False),
                                    ("essesess", False), ("ESSESES", False), ("DEUTDEFF50", False), ("1SSESESS", False)])
def test_bic_shape(bic, ok):
    assert checksums.bic_ok(bic) is ok


# ---- arbitrary input ----

FRAGMENTS = st.sampled_from([
    "<form action='https://www.paypal.com/cgi-bin/webscr'>", "<input name=business value=", "</form>", "&amp;", "&#",
    "https://bill.ccbill.com/jpost/signup.cgi?clientAccnum=", "\\/", "\\u0026", "Swish ", "123 ", "Bankgiro ", "-",
    "IBAN ", "SE45 ", "5000 ", "BIC ", "pk_live_", "paypal.me/", "storeId", "/api/v1/invoices?", "=", "\"", "'",
    "<", ">", "webmoney ", "Z1234567890123", "perfect money U", "&currency", "acct_", "stripe", "%", "\x00", "İ",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=40), st.sampled_from(["html", "js", "json", "text"]))
def test_arbitrary_markup_never_raises(parts, content_type):
    page = Page("".join(parts), content_type=content_type)
    for ident in payments._extract(page):      # the unguarded generator: a bug would surface here
        assert ident.kind in KINDS and ident.value and len(ident.context) <= 200


@pytest.mark.parametrize("fn", [checksums.iban_canonical, checksums.iban_ok, checksums.iban_length, checksums.bic_ok,
                                checksums.luhn_ok,
                                checksums.bankgiro_canonical, checksums.plusgiro_canonical, payments.email_value,
                                rows.is_placeholder,
                                rows.norm_text, payments.extract], ids=lambda f: f.__name__)
def test_docstring_examples(fn):
    import doctest
    runner = doctest.DocTestRunner()
    for t in doctest.DocTestFinder().find(fn, fn.__name__, globs=vars(__import__(fn.__module__, fromlist=["x"]))):
        runner.run(t)
    assert runner.failures == 0
    if fn not in (rows.norm_text, payments.extract):
        assert ">>>" in fn.__doc__, f"{fn.__name__} documents no example"


def _markup() -> list[tuple[str, str]]:
    """(content_type, text) of this file's MATCHES and of every documented form (tests/formsweb.py)."""
    r = random.Random(3)
    return [(m[1], m[2]) for m in MATCHES] + [(f.content_type, f.render(r)[0]) for f in FORMS]


@pytest.mark.parametrize("row", payments.PATTERNS, ids=lambda r: f"{r.kind}:{r.note[:30]}")
def test_every_pattern_row_has_a_matching_test_row(row):
    hits = []
    for content_type, text in _markup():
        page = Page(text, content_type=content_type)
        hits += list(rows.run_patterns([row], rows.norm_text(page), payments._SCANNER.present(page)))
    assert hits, f"no test markup exercises {row}"


@pytest.mark.parametrize("row", payments.FIELDS, ids=lambda r: f"{r.kind}:{r.names[0]}")
def test_every_field_row_has_a_matching_test_row(row):
    only = rows.FieldTable([row])
    hits = []
    for content_type, text in _markup():
        page = Page(text, content_type=content_type)
        hits += list(only.run(page, rows.norm_text(page), payments._SCANNER.present(page)))
    assert hits, f"no test markup exercises {row}"


def test_store_locator_ids_are_not_btcpay_stores():
    text = '<a href="https://shop-a.se/api/v1/invoices?storeId=12345678901234567890123">x</a> storeid'
    assert not found(text)


def test_the_keywords_of_both_families_fit_one_fast_aho_corasick_search():
    # Over 100 patterns the automaton loses its packed (SIMD) prefilter and the one pass over
    # every page costs twice as much (bench/extract_bench.py): merge keywords rather than add them.
    from crawler.extractors import trackers  # noqa: F401  (registers its keywords)
    keywords, _ = rows._combined_scan()
    assert len(keywords) <= 100, len(keywords)
