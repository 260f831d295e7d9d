"""Every documented way a merchant embeds a payment or tracker identifier, and a test web
that mixes them.

``FORMS`` has one row per documented form: the vendor's document it comes from (vendor +
page title or path, as text), the markup the document tells a merchant to paste with ``@ID@``
(``@ID2@``…) where the merchant's own value goes, the content type it is served as (an
inline snippet in HTML, a same-site ``.js``/``.json`` file, a plain-text ``ads.txt``), and a
generator of fresh values with what the extractors must report for them.

``PLACEHOLDERS`` are the same documents' unfilled snippets (``pk_live_XXXX…``, ``G-XXXXXXXXXX``,
``YOUR_PIXEL_ID``, ``{pixel-id}``…) and look-alikes in prose: nothing may be taken from them.

``make_formsweb(seed, copies)`` builds pages that mix several forms each with filler text and
placeholders, and returns them with the truth, for recall and precision per kind.  Pixel and
beacon URLs are only text here: nothing is ever fetched.

Longer than most modules on purpose: ``FORMS`` is one table (a row per vendor document),
read and checked against the vendors' documents row by row.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Callable

Expected = list[tuple[str, str]]            # (kind, canonical value)
Maker = Callable[[random.Random], tuple[dict[str, str], Expected]]

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWYZ0123456789"           # no X: a run of X reads as a placeholder
_ALNUM = "abcdefghijklmnopqrstuvwyzABCDEFGHIJKLMNOPQRSTUVWYZ0123456789"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWYZabcdefghijkmnopqrstuvwyz"
_WORDS = ("nordic", "velvet", "amber", "cobalt", "meadow", "harbor", "lumen", "quartz", "raven", "sierra")


def _digits(r: random.Random, n: int) -> str:
    return str(r.randint(1, 9)) + "".join(r.choice("0123456789") for _ in range(n - 1))


def _chars(r: random.Random, alphabet: str, n: int) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def _uuid(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def _email(r: random.Random) -> str:
    return f"{r.choice(('sales', 'billing', 'pay', 'info'))}{r.randint(1, 999)}@{r.choice(_WORDS)}-shop.se"


def one(kind: str, gen: Callable[[random.Random], str], canon: Callable[[str], str] = str) -> Maker:
    """A form with one value @ID@ reported as ``canon(raw)``."""
    def make(r: random.Random) -> tuple[dict[str, str], Expected]:
        raw = gen(r)
        return {"ID": raw}, [(kind, canon(raw))]
    return make


def both(make_a: Maker, make_b: Maker) -> Maker:
    """Two values in one snippet: @ID@ from the first maker, @ID2@ from the second."""
    def make(r: random.Random) -> tuple[dict[str, str], Expected]:
        a, ea = make_a(r)
        b, eb = make_b(r)
        return {"ID": a["ID"], "ID2": b["ID"]}, ea + eb
    return make


# ---- value generators (shapes as the vendors issue them) ----
merchant_id = lambda r: _chars(r, "ABCDEFGHJKLMNPQRSTUVWYZ", 6) + _digits(r, 1) + _chars(r, _UPPER, 6)  # 13 chars
button_id = lambda r: _chars(r, "ABCDEFGHJKLMNPQRSTUVWYZ", 2) + _chars(r, _UPPER, 11)
client_id = lambda r: "A" + _chars(r, _ALNUM + "-_", 79)
client_id_b = lambda r: "BAA" + _chars(r, _ALNUM + "-_", 77)
paypal_handle = lambda r: r.choice(_WORDS).title() + r.choice(_WORDS) + str(r.randint(10, 99))
pk_live = lambda r: "pk_live_51" + _chars(r, _ALNUM, 97)
stripe_obj = lambda prefix: (lambda r: prefix + "1" + _chars(r, _ALNUM, 23))
payment_link = lambda r: _chars(r, _ALNUM, 20)
acct = lambda r: "acct_1" + _chars(r, _ALNUM, 15)
ccbill_acc = lambda r: _digits(r, 6)
ccbill_sub = lambda r: "00" + _digits(r, 2)
epoch_code = lambda r: _chars(r, "abcdefghjkmnpqrstuvwyz", 2) + _digits(r, 1)
epoch_pi = lambda r: _digits(r, 7) + _chars(r, "abcdefghjkmnpqrstuvwyz", 2)
eticket = lambda r: _digits(r, 6) + ":" + _digits(r, 5)
shop_id = lambda r: _digits(r, 6)
verotel_id = lambda r: "9804" + _digits(r, 12)
pm_account = lambda r: "U" + _digits(r, 8)
purse = lambda r: r.choice("ZER") + _digits(r, 12)
wmid = lambda r: _digits(r, 12)
store_id = lambda r: _chars(r, _B58, 44)
app_id = lambda r: _chars(r, _B58, 28)
charge_code = lambda r: _chars(r, "ABCDEFGHJKLMNPQRSTUVWYZ23456789", 8)
swish_no = lambda r: "123" + _digits(r, 7)
ga4 = lambda r: "G-" + _chars(r, "ABCDEFGHJKLMNPQRSTUVWYZ", 1) + _chars(r, _UPPER, 9)
ua = lambda r: f"UA-{_digits(r, 8)}-{r.randint(1, 9)}"
gtm = lambda r: "GTM-" + _chars(r, "ABCDEFGHJKLMNPQRSTUVWYZ", 1) + _chars(r, _UPPER, 6)
aw_digits = lambda r: _digits(r, 10)
pub = lambda r: _digits(r, 16)
pixel = lambda r: _digits(r, r.choice((15, 16)))
metrika = lambda r: _digits(r, r.choice((8, 9)))
hotjar = lambda r: _digits(r, 7)
matomo_site = lambda r: str(r.randint(1, 400))
cf_token = lambda r: _chars(r, "0123456789abcdef", 32)
clarity = lambda r: _chars(r, "abcdefghijklmnopqrstuvwyz0123456789", 10)
tiktok = lambda r: "C" + _chars(r, _UPPER, 19)
token = lambda r: _chars(r, _ALNUM + "-_", 43)
domain = lambda r: f"{r.choice(_WORDS)}{r.randint(1, 99)}-stats.se"


def matomo(host_form: str) -> Maker:
    def make(r: random.Random) -> tuple[dict[str, str], Expected]:
        host, site = domain(r), matomo_site(r)
        return {"ID": host, "ID2": site}, [("matomo_site", f"{host_form.format(host=host)}/{site}")]
    return make


def ccbill(r: random.Random) -> tuple[dict[str, str], Expected]:
    acc, sub = ccbill_acc(r), ccbill_sub(r)
    return {"ID": acc, "ID2": sub}, [("ccbill_account", f"{acc}/{sub}")]


def epoch(r: random.Random) -> tuple[dict[str, str], Expected]:
    co, pi = epoch_code(r), epoch_pi(r)
    return {"ID": co, "ID2": pi}, [("epoch_account", co), ("epoch_product", pi)]


def verification(name: str) -> Maker:
    return one("site_verification", token, lambda v: f"{name}={v}")


@dataclass(frozen=True)
class Form:
    doc: str            # vendor + document (page title / path), where this markup is documented
    content_type: str   # html (inline in a page), js / json (a same-site file), text (ads.txt)
    template: str       # the pasted markup, @ID@ / @ID2@ where the merchant's value goes
    make: Maker

    def render(self, r: random.Random) -> tuple[str, Expected]:
        subs, expected = self.make(r)
        text = self.template
        for name in sorted(subs, key=len, reverse=True):
            text = text.replace(f"@{name}@", subs[name])
        return text, expected


FORMS: tuple[Form, ...] = (
    # ---- PayPal ----
    Form("PayPal: HTML Variables for PayPal Payments Standard (Buy Now form, business = e-mail)", "html", """
<form action="https://www.paypal.com/cgi-bin/webscr" method="post">
  <input type="hidden" name="business" value="@ID@">
  <input type="hidden" name="cmd" value="_xclick">
  <input type="hidden" name="item_name" value="Hot Sauce-12oz. Bottle">
  <input type="hidden" name="amount" value="5.95"><input type="hidden" name="currency_code" value="USD">
  <input type="image" name="submit" src="https://www.paypalobjects.com/en_US/i/btn/btn_buynow_LG.gif" alt="Buy Now">
</form>""", one("paypal_business", _email, str.lower)),
    Form("PayPal: Payments Standard integration guide, Secure merchant account ID in business", "html", """
<form action="https://www.paypal.com/cgi-bin/webscr" method="post" target="_top">
<input type="hidden" name="cmd" value="_xclick"><input type="hidden" name="business" value="@ID@">
<input type="hidden" name="lc" value="SE"><input type="hidden" name="button_subtype" value="services"></form>""",
         one("paypal_merchant_id", merchant_id)),
    Form("PayPal: Payments Standard, copy-paste code: e-mail payment link (cmd=_xclick)", "html",
         '<a href="https://www.paypal.com/cgi-bin/webscr?cmd=_xclick&amp;business=@ID@&amp;item_name=Membership'
         '&amp;amount=10%2e00&amp;currency_code=EUR">Pay with PayPal</a>', one("paypal_business", _email, str.lower)),
    Form("PayPal: Payments Standard, hosted (saved) button: cmd=_s-xclick + hosted_button_id", "html", """
<form action="https://www.paypal.com/cgi-bin/webscr" method="post" target="_top">
<input type="hidden" name="cmd" value="_s-xclick">
<input type="hidden" name="hosted_button_id" value="@ID@">
<input type="image" src="https://www.paypalobjects.com/en_US/i/btn/btn_buynowCC_LG.gif" border="0" name="submit">
</form>""", one("paypal_button_id", button_id)),
    Form("PayPal: Donate button, hosted link paypal.com/donate/?hosted_button_id=", "html",
         '<a href="https://www.paypal.com/donate/?hosted_button_id=@ID@">Donate</a>', one("paypal_button_id", button_id)),
    Form("PayPal: Donate SDK, PayPal.Donation.Button({hosted_button_id})", "html", """
<div id="donate-button-container"><div id="donate-button"></div>
<script src="https://www.paypalobjects.com/donate/sdk/donate-sdk.js" charset="UTF-8"></script>
<script>
PayPal.Donation.Button({
env:'production',
hosted_button_id:'@ID@',
image: {src:'https://www.paypalobjects.com/en_US/i/btn/btn_donate_LG.gif', alt:'Donate with PayPal button'}
}).render('#donate-button');
</script></div>""", one("paypal_button_id", button_id)),
    Form("PayPal: JavaScript SDK script configuration (/sdk/js?client-id=…)", "html",
         '<script src="https://www.paypal.com/sdk/js?client-id=@ID@&amp;currency=USD&amp;intent=capture"></script>'
         '<div id="paypal-button-container"></div><script>paypal.Buttons().render("#paypal-button-container");</script>',
         one("paypal_client_id", client_id)),
    Form("PayPal: JavaScript SDK script configuration, merchant-id query parameter", "html",
         '<script src="https://www.paypal.com/sdk/js?client-id=@ID2@&merchant-id=@ID@&components=buttons"></script>',
         both(one("paypal_merchant_id", merchant_id), one("paypal_client_id", client_id))),
    Form("PayPal: JavaScript SDK script configuration, merchant-id=* with data-merchant-id", "html",
         '<script src="https://www.paypal.com/sdk/js?client-id=@ID2@&merchant-id=*" data-merchant-id="@ID@"></script>',
         both(one("paypal_merchant_id", merchant_id), one("paypal_client_id", client_id))),
    Form("PayPal: Low-code buy button (/guides/low-code-buy-button), hosted-buttons script + HostedButtons()", "html", """
<script src="https://www.paypal.com/sdk/js?client-id=@ID2@&components=hosted-buttons&disable-funding=venmo&currency=USD"></script>
<div id="paypal-container-@ID@"></div>
<script>
  paypal.HostedButtons({
    hostedButtonId: "@ID@",
  }).render("#paypal-container-@ID@")
</script>""", both(one("paypal_button_id", button_id), one("paypal_client_id", client_id_b))),
    Form("PayPal: Payment Links and Buttons, payment link paypal.com/ncp/payment/<id>", "html",
         '<p>Checkout: <a href="https://www.paypal.com/ncp/payment/@ID@">https://www.paypal.com/ncp/payment/@ID@</a></p>',
         one("paypal_button_id", button_id)),
    Form("PayPal: Payment Links and Buttons, buy button form posting to /ncp/payment/<id>", "html", """
<style>.pp-@ID@{text-align:center;border:none;border-radius:0.25rem;}</style>
<form action="https://www.paypal.com/ncp/payment/@ID@" method="post" target="_blank" style="display:inline-grid;">
  <input class="pp-@ID@" type="submit" value="Buy Now" />
  <img src=https://www.paypalobjects.com/images/Debit_Credit_APM.svg alt="cards" />
</form>""", one("paypal_button_id", button_id)),
    Form("PayPal: PayPal.Me, share your link paypal.me/<name>", "html",
         '<a href="https://paypal.me/@ID@">paypal.me/@ID@</a>', one("paypal_me", paypal_handle, str.lower)),
    Form("PayPal: PayPal.Me long form paypal.com/paypalme/<name>", "html",
         '<a href="https://www.paypal.com/paypalme/@ID@/10">Tip</a>', one("paypal_me", paypal_handle, str.lower)),
    Form("PayPal: checkout.js (archived) paypal.Button.render client.production", "js", """paypal.Button.render({
  env: 'production',
  client: {
    sandbox: 'AZDxjDScFpQtjWTOUtWKbyN_bDt4OgqaF4eYXlewfBP4-8aqX3PiV8e1GWU6liB2CUXlkA59kJXE7M6R',
    production: '@ID@'
  },
  commit: true
}, '#paypal-button');""", one("paypal_client_id", client_id)),
    # ---- Stripe ----
    Form("Stripe: Stripe.js reference, Initializing Stripe.js (Stripe('pk_live_…')) in a same-site file", "js",
         "const stripe = Stripe('@ID@');\nconst elements = stripe.elements({clientSecret});",
         one("stripe_publishable_key", pk_live)),
    Form("Stripe: React Stripe.js, loadStripe('pk_live_…')", "js",
         "import {loadStripe} from '@stripe/stripe-js';\nconst stripePromise = loadStripe(\"@ID@\");",
         one("stripe_publishable_key", pk_live)),
    Form("Stripe: legacy Checkout (checkout.js) migration guide, <script class=stripe-button data-key>", "html", """
<form action="/charge" method="POST">
  <script src="https://checkout.stripe.com/checkout.js" class="stripe-button"
    data-key="@ID@" data-amount="999" data-name="Shop" data-description="Widget" data-currency="eur"></script>
</form>""", one("stripe_publishable_key", pk_live)),
    Form("Stripe: Create an embeddable buy button (/payment-links/buy-button)", "html", """
<script async src="https://js.stripe.com/v3/buy-button.js"></script>
<stripe-buy-button
  buy-button-id="@ID@"
  publishable-key="@ID2@"
>
</stripe-buy-button>""", both(one("stripe_buy_button", stripe_obj("buy_btn_")), one("stripe_publishable_key", pk_live))),
    Form("Stripe: Embeddable pricing table (/payments/checkout/pricing-table)", "html", """
<script async src="https://js.stripe.com/v3/pricing-table.js"></script>
<stripe-pricing-table pricing-table-id="@ID@"
publishable-key="@ID2@">
</stripe-pricing-table>""", both(one("stripe_pricing_table", stripe_obj("prctbl_")),
                                 one("stripe_publishable_key", pk_live))),
    Form("Stripe: Payment Links, share a payment link (buy.stripe.com/<id>)", "html",
         '<a class="btn" href="https://buy.stripe.com/@ID@?prefilled_email=">Subscribe</a>',
         one("stripe_payment_link", payment_link)),
    Form("Stripe: Connect direct charges, Stripe.js with stripeAccount", "js",
         "var stripe = Stripe('@ID2@', {\n  stripeAccount: '@ID@'\n});",
         both(one("stripe_account", acct), one("stripe_publishable_key", pk_live))),
    # ---- CCBill ----
    Form("CCBill: JPost to FlexForms Guide, JPost signup link (bill.ccbill.com/jpost/signup.cgi)", "html",
         '<a href="https://bill.ccbill.com/jpost/signup.cgi?clientAccnum=@ID@&amp;clientSubacc=@ID2@&amp;'
         'formName=211cc&amp;language=English&amp;allowedTypes=0000000066:840&amp;subscriptionTypeId=0000000066:840">'
         'Join</a>', ccbill),
    Form("CCBill: Dynamic Pricing User Guide, hidden HTML form fields (JPost)", "html", """
<form action="https://bill.ccbill.com/jpost/signup.cgi" method="POST">
<input type="hidden" name="clientAccnum" value="@ID@" />
<input type="hidden" name="clientSubacc" value="@ID2@" />
<input type="hidden" name="formName" value="211cc" />
<input type="hidden" name="formPrice" value="9.95" /><input type="hidden" name="formPeriod" value="30" />
<input type="hidden" name="currencyCode" value="840" /><input type="hidden" name="formDigest" value="f5d1" />
<input type="submit" value="Join" /></form>""", ccbill),
    Form("CCBill: Dynamic Pricing User Guide, FlexForms request (api.ccbill.com/wap-frontflex/flexforms/<Flex ID>)",
         "html", '<a href="https://api.ccbill.com/wap-frontflex/flexforms/@ID@?initialPrice=10.00&amp;initialPeriod=30'
                 '&amp;currencyCode=840&amp;formDigest=5d9b&amp;clientSubacc=0001">Buy access</a>',
         one("ccbill_flexform", _uuid, str.lower)),
    Form("CCBill: FlexForms Quick Start Guide, payment flow link (Flex ID in the path)", "html",
         '<form action="https://api.ccbill.com/wap-frontflex/flexforms/@ID@" method="GET">'
         '<input type="hidden" name="clientSubacc" value="0000"><button>Join</button></form>',
         one("ccbill_flexform", lambda r: _uuid(r).upper(), str.lower)),
    # ---- Epoch, SegPay, Verotel, Paxum (vendor guides are behind merchant logins: forms as the rows' notes) ----
    Form("Epoch: join form posting co_code/pi_code to wnu.com/secure/fpost.cgi", "html", """
<form action="https://wnu.com/secure/fpost.cgi" method="post">
<input type="hidden" name="co_code" value="@ID@"><input type="hidden" name="pi_code" value="@ID2@">
<input type="hidden" name="reseller" value="a"><input type="submit" value="Join"></form>""", epoch),
    Form("Epoch: join link wnu.com/secure/form.cgi?<co_code>+<pi_code>+a+p", "html",
         '<a href="https://wnu.com/secure/form.cgi?@ID@+@ID2@+a+p">Join now</a>', epoch),
    Form("SegPay: purchase link secure2.segpay.com/billing/poset.cgi?x-eticketid=<package:price point>", "html",
         '<a href="https://secure2.segpay.com/billing/poset.cgi?x-eticketid=@ID@&amp;x-auth-link=https%3A%2F%2Fa.se">'
         'Join</a>', one("segpay_eticket", eticket)),
    Form("Verotel: FlexPay documentation / flexpay-php-client get_purchase_URL (secure.verotel.com/startorder)", "html",
         '<a href="https://secure.verotel.com/startorder?version=4&amp;shopID=@ID@&amp;priceAmount=2.64&amp;'
         'priceCurrency=EUR&amp;description=Test+purchase&amp;signature=0a1b">Buy</a>', one("verotel_shop_id", shop_id)),
    Form("Verotel: FlexPay client Brand table, BitsafePay brand (secure.bitsafepay.com/startorder)", "html",
         '<a href="https://secure.bitsafepay.com/startorder?shopID=@ID@&amp;version=4&amp;type=purchase">Pay</a>',
         one("verotel_shop_id", shop_id)),
    Form("Verotel: FlexPay client Brand table, CardBilling cancel link (secure.billing.creditcard)", "html",
         '<a href="https://secure.billing.creditcard/cancel-subscription?shopID=@ID@&amp;saleID=12345&amp;version=4">'
         'Cancel</a>', one("verotel_shop_id", shop_id)),
    Form("Verotel: legacy order link cgi-bin/vtjp.pl (verotel_id, verotel_website)", "html",
         '<a href="https://secure.verotel.com/cgi-bin/vtjp.pl?verotel_id=@ID@&amp;verotel_website=@ID2@">Join</a>',
         both(one("verotel_merchant_id", verotel_id), one("verotel_shop_id", shop_id))),
    Form("Paxum: payment button form (paxum.com/payment/phrame.php, business_email)", "html", """
<form action="https://www.paxum.com/payment/phrame.php?action=displayProcessPaymentLogin" method="post">
<input type="hidden" name="business_email" value="@ID@"><input type="hidden" name="button_type_id" value="1">
<input type="hidden" name="item_id" value="7"><input type="hidden" name="amount" value="20.00"></form>""",
         one("paxum", _email, str.lower)),
    # ---- Perfect Money, WebMoney, Skrill ----
    Form("Perfect Money: SCI (Shopping Cart Interface) form to perfectmoney.com/api/step1.asp", "html", """
<form action="https://perfectmoney.com/api/step1.asp" method="POST">
<input type="hidden" name="PAYEE_ACCOUNT" value="@ID@"><input type="hidden" name="PAYEE_NAME" value="Shop">
<input type="hidden" name="PAYMENT_UNITS" value="USD"><input type="submit" name="PAYMENT_METHOD" value="Pay Now!">
</form>""", one("perfect_money", pm_account)),
    Form("WebMoney: Web Merchant Interface, payment form (merchant.web.money/lmi/payment_utf.asp)", "html", """
<form method="POST" action="https://merchant.web.money/lmi/payment_utf.asp" accept-charset="utf-8">
<input type="hidden" name="LMI_PAYMENT_AMOUNT" value="1.0">
<input type="hidden" name="LMI_PAYMENT_DESC" value="order 1"><input type="hidden" name="LMI_PAYEE_PURSE" value="@ID@">
</form>""", one("webmoney", purse)),
    Form("WebMoney: Keeper payment link wmk:payto?Purse=…", "html",
         '<a href="wmk:payto?Purse=@ID@&amp;Amount=10&amp;Desc=Order&amp;BringToFront=Y">Pay by WebMoney</a>',
         one("webmoney", purse)),
    Form("WebMoney: Passport certificate link (passport.webmoney.ru/asp/certview.asp?wmid=)", "html",
         '<a href="https://passport.webmoney.ru/asp/certview.asp?wmid=@ID@">Our WebMoney passport</a>',
         one("webmoney_wmid", wmid)),
    Form("Skrill: Quick Checkout Integration Guide, form to pay.skrill.com (pay_to_email)", "html", """
<form action="https://pay.skrill.com" method="post" target="_blank">
<input type="hidden" name="pay_to_email" value="@ID@"><input type="hidden" name="status_url" value="https://a.se/s">
<input type="hidden" name="language" value="EN"><input type="hidden" name="amount" value="39.60"></form>""",
         one("skrill", _email, str.lower)),
    Form("Skrill: Quick Checkout Integration Guide, GET link pay.skrill.com/?pay_to_email=", "html",
         '<a href="https://pay.skrill.com/?pay_to_email=@ID@&amp;amount=10&amp;currency=EUR">Skrill</a>',
         one("skrill", _email, str.lower)),
    # ---- Coinbase Commerce, BTCPay ----
    Form("Coinbase Commerce: Adding a 'Pay with Crypto' payment button (buy-with-crypto embed)", "html", """
<div>
  <a class="buy-with-crypto" href="https://commerce.coinbase.com/checkout/@ID@">Buy with Crypto</a>
  <script src="https://commerce.coinbase.com/v1/checkout.js?version=201807"></script>
</div>""", one("coinbase_commerce", _uuid, str.lower)),
    Form("Coinbase Commerce: Commerce API, Charges: hosted_url commerce.coinbase.com/charges/<code>", "html",
         '<a href="https://commerce.coinbase.com/charges/@ID@" target="_blank">Pay invoice in crypto</a>',
         one("coinbase_charge", charge_code)),
    Form("Coinbase Commerce: Commerce API, Charges: hosted_url commerce.coinbase.com/pay/<uuid>", "json",
         '{"data": {"code": "H6FLGWZM", "hosted_url": "https://commerce.coinbase.com/pay/@ID@", "pricing_type": '
         '"fixed_price"}}', one("coinbase_charge", _uuid, str.lower)),
    Form("Coinbase: react-coinbase-commerce README, <CoinbaseCommerceButton checkoutId>", "js",
         "import CoinbaseCommerceButton from 'react-coinbase-commerce';\n"
         "const App = () => (<CoinbaseCommerceButton checkoutId={'@ID@'}/>);", one("coinbase_commerce", _uuid)),
    Form("Coinbase: react-coinbase-commerce README, <CoinbaseCommerceButton chargeId>", "js",
         "import CoinbaseCommerceButton from 'react-coinbase-commerce';\n"
         "export const Pay = () => <CoinbaseCommerceButton styled chargeId={\"@ID@\"} />;",
         one("coinbase_charge", charge_code)),
    Form("BTCPay Server: Pay Button (form to /api/v1/invoices with storeId)", "html", """
<form method="POST" action="https://btcpay.@ID2@/api/v1/invoices" class="btcpay-form btcpay-form--block">
  <input type="hidden" name="storeId" value="@ID@" />
  <input type="hidden" name="jsonResponse" value="true" /><input type="hidden" name="price" value="10" />
  <input type="hidden" name="currency" value="USD" />
  <input type="image" class="submit" name="submit" src="https://btcpay.@ID2@/img/paybutton/pay.svg" alt="Pay with BTCPay">
</form>""", both(one("btcpay_store", store_id), lambda r: ({"ID": domain(r)}, []))),
    Form("BTCPay Server: Pay Button as a link (/api/v1/invoices?storeId=…)", "html",
         '<a href="https://pay.@ID2@/api/v1/invoices?storeId=@ID@&amp;price=5&amp;currency=EUR">Pay with Bitcoin</a>',
         both(one("btcpay_store", store_id), lambda r: ({"ID": domain(r)}, []))),
    Form("BTCPay Server: Point of Sale app (/apps/<appId>/pos)", "html",
         '<a href="https://btcpay.@ID2@/apps/@ID@/pos">Shop</a>',
         both(one("btcpay_app", app_id), lambda r: ({"ID": domain(r)}, []))),
    Form("BTCPay Server: Crowdfund app (/apps/<appId>/crowdfund)", "html",
         '<iframe src="https://btcpay.@ID2@/apps/@ID@/crowdfund" style="width:100%"></iframe>',
         both(one("btcpay_app", app_id), lambda r: ({"ID": domain(r)}, []))),
    # ---- Swish ----
    Form("Swish: Swish för företag, Swish number (123 xxx xx xx) shown to payers", "html",
         "<p>Betala med Swish till <strong>@ID@</strong> och ange ordernumret.</p>",
         one("swish", lambda r: (lambda d: f"{d[:3]} {d[3:6]} {d[6:8]} {d[8:]}")(swish_no(r)),
             lambda v: v.replace(" ", ""))),
    Form("Swish: payment link app.swish.nu/1/p/sw/?sw=<number>&amt=&msg=", "html",
         '<a href="https://app.swish.nu/1/p/sw/?sw=@ID@&amp;amt=100&amp;cur=SEK&amp;msg=Order&amp;src=qr">Swisha</a>',
         one("swish", swish_no)),
    Form("Swish: app link swish://payment?data=<JSON with payee.value> (merchant's JS, url-encoded)", "html",
         '<a href="swish://payment?data=%7B%22version%22%3A1%2C%22payee%22%3A%7B%22value%22%3A%22@ID@%22%7D%2C'
         '%22amount%22%3A%7B%22value%22%3A100%7D%7D">Öppna Swish</a>', one("swish", swish_no)),
    Form("Swish: QR code API manual 4.1.1 prefilled (mpc.getswish.net/qrg-swish/api/v1/prefilled body)", "js",
         'fetch("https://mpc.getswish.net/qrg-swish/api/v1/prefilled", {method: "POST", body: JSON.stringify('
         '{"format": "svg", "payee": {"value": "@ID@", "editable": false}, "amount": {"value": 100}, "size": 300})});',
         one("swish", swish_no)),
    # ---- Google ----
    Form("Google tag platform: Set up the Google tag (gtag.js) with a GA4 measurement id", "html", """
<!-- Google tag (gtag.js) -->
<script async src="https://www.googletagmanager.com/gtag/js?id=@ID@"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());

  gtag('config', '@ID@');
</script>""", one("ga4_measurement_id", ga4)),
    Form("Google Analytics: gtag.js for Universal Analytics (Global site tag)", "html", """
<script async src="https://www.googletagmanager.com/gtag/js?id=@ID@"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}
gtag('js', new Date()); gtag('config', '@ID@');</script>""", one("ga_tracking_id", ua)),
    Form("Google Analytics: Adding analytics.js to Your Site (ga('create', …))", "html", """
<script>
(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){
(i[r].q=i[r].q||[]).push(arguments)},i[r].l=1*new Date();a=s.createElement(o),
m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)
})(window,document,'script','https://www.google-analytics.com/analytics.js','ga');

ga('create', '@ID@', 'auto');
ga('send', 'pageview');
</script>""", one("ga_tracking_id", ua)),
    Form("Google Analytics: ga.js Tracking Code Quickstart (_gaq _setAccount)", "html", """
<script type="text/javascript">
  var _gaq = _gaq || [];
  _gaq.push(['_setAccount', '@ID@']);
  _gaq.push(['_trackPageview']);
</script>""", one("ga_tracking_id", ua)),
    Form("Google Analytics: urchin.js legacy tracking code (_uacct)", "html",
         '<script src="http://www.google-analytics.com/urchin.js" type="text/javascript"></script>\n'
         '<script type="text/javascript">_uacct = "@ID@"; urchinTracker();</script>', one("ga_tracking_id", ua)),
    Form("Google Analytics: Measurement Protocol (v1) hit as a noscript/amp-pixel URL (tid=UA-…)", "html",
         '<noscript><img src="https://www.google-analytics.com/collect?v=1&amp;tid=@ID@&amp;cid=555&amp;t=pageview'
         '&amp;dp=%2Fhome" width="1" height="1" alt=""></noscript>', one("ga_tracking_id", ua)),
    Form("Google Analytics: Adding Analytics to AMP pages (amp-analytics type=gtag, gtag_id)", "html", """
<amp-analytics type="gtag" data-credentials="include">
<script type="application/json">
{
  "vars" : {
    "gtag_id": "@ID@",
    "config" : { "@ID@": { "groups": "default" } }
  }
}
</script>
</amp-analytics>""", one("ga4_measurement_id", ga4)),
    Form("Firebase: Add Firebase to your JavaScript project (firebaseConfig.measurementId)", "js", """const firebaseConfig = {
  apiKey: "AIzaSyDOCAbC123dEf456GhI789jKl01-MnO",
  authDomain: "shop-a.firebaseapp.com",
  projectId: "shop-a",
  appId: "1:1234567890:web:a1b2c3d4e5f6",
  measurementId: "@ID@"
};""", one("ga4_measurement_id", ga4)),
    Form("Google Tag Manager: Install Tag Manager (head snippet)", "html", """
<!-- Google Tag Manager -->
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','@ID@');</script>
<!-- End Google Tag Manager -->""", one("gtm_container", gtm)),
    Form("Google Tag Manager: Install Tag Manager (body noscript iframe ns.html?id=)", "html", """
<!-- Google Tag Manager (noscript) -->
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=@ID@"
height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>""", one("gtm_container", gtm)),
    Form("Google Ads Help: Set up conversion tracking for your website (Google tag, AW- config)", "html", """
<script async src="https://www.googletagmanager.com/gtag/js?id=AW-@ID@"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}
gtag('js', new Date()); gtag('config', 'AW-@ID@');</script>""", one("google_ads_id", aw_digits, lambda v: "AW-" + v)),
    Form("Google Ads Help: conversion event snippet (send_to AW-…/label)", "html",
         "<script>gtag('event', 'conversion', {'send_to': 'AW-@ID@/SYwyCPKnwqsBEKyG1NYC', 'transaction_id': ''});"
         "</script>", one("google_ads_id", aw_digits, lambda v: "AW-" + v)),
    Form("Google Ads: legacy conversion.js page code (var google_conversion_id)", "html", """
<script type="text/javascript">
/* <![CDATA[ */
var google_conversion_id = @ID@;
var google_conversion_label = "VQ4ACK-S1nAQvqDrmAM";
var google_remarketing_only = false;
/* ]]> */
</script>
<script type="text/javascript" src="//www.googleadservices.com/pagead/conversion.js"></script>""",
         one("google_ads_id", aw_digits, lambda v: "AW-" + v)),
    Form("Google Ads: legacy conversion.js noscript pixel googleadservices.com/pagead/conversion/<id>/", "html", """
<noscript><div style="display:inline;">
<img height="1" width="1" style="border-style:none;" alt=""
 src="//www.googleadservices.com/pagead/conversion/@ID@/?label=VQ4ACK-S1nAQvqDrmAM&amp;guid=ON&amp;script=0"/>
</div></noscript>""", one("google_ads_id", aw_digits, lambda v: "AW-" + v)),
    Form("Google Ads: legacy remarketing tag noscript pixel (pagead/viewthroughconversion/<id>/)", "html",
         '<noscript><div style="display:inline;"><img height="1" width="1" style="border-style:none;" alt="" '
         'src="//googleads.g.doubleclick.net/pagead/viewthroughconversion/@ID@/?guid=ON&amp;script=0"/></div>'
         '</noscript>', one("google_ads_id", aw_digits, lambda v: "AW-" + v)),
    Form("AdSense Help: Get and copy the AdSense code (adsbygoogle.js?client=ca-pub-…)", "html",
         '<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-@ID@"\n'
         '     crossorigin="anonymous"></script>', one("adsense_publisher", pub, lambda v: "ca-pub-" + v)),
    Form("AdSense Help: ad unit code (<ins class=adsbygoogle data-ad-client>)", "html", """
<ins class="adsbygoogle" style="display:block" data-ad-client="ca-pub-@ID@" data-ad-slot="1234567890"
     data-ad-format="auto" data-full-width-responsive="true"></ins>
<script>(adsbygoogle = window.adsbygoogle || []).push({});</script>""",
         one("adsense_publisher", pub, lambda v: "ca-pub-" + v)),
    Form("AdSense Help: connect your site with the AdSense meta tag (google-adsense-account)", "html",
         '<meta name="google-adsense-account" content="ca-pub-@ID@">', one("adsense_publisher", pub,
                                                                          lambda v: "ca-pub-" + v)),
    Form("AdSense Help: ads.txt guidance (google.com, pub-…, DIRECT, f08c47fec0942fa0)", "text",
         "# ads.txt\ngoogle.com, pub-@ID@, DIRECT, f08c47fec0942fa0\n", one("adsense_publisher", pub,
                                                                          lambda v: "ca-pub-" + v)),
    Form("AdSense Help: AdSense on AMP pages (<amp-ad type=adsense data-ad-client>)", "html",
         '<amp-ad width="100vw" height="320" type="adsense" data-ad-client="ca-pub-@ID@" data-ad-slot="9876543210" '
         'data-auto-format="rspv" data-full-width=""><div overflow=""></div></amp-ad>',
         one("adsense_publisher", pub, lambda v: "ca-pub-" + v)),
    # ---- Meta ----
    Form("Meta for Developers: Meta Pixel, Get Started, base code (fbq('init'))", "html", """
<!-- Meta Pixel Code -->
<script>
!function(f,b,e,v,n,t,s)
{if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};
if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';
n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];
s.parentNode.insertBefore(t,s)}(window, document,'script',
'https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '@ID@');
fbq('track', 'PageView');
</script>
<!-- End Meta Pixel Code -->""", one("facebook_pixel", pixel)),
    Form("Meta for Developers: Meta Pixel, Get Started, base code <noscript> image (facebook.com/tr?id=)", "html", """
<noscript><img height="1" width="1" style="display:none"
src="https://www.facebook.com/tr?id=@ID@&ev=PageView&noscript=1"
/></noscript>""", one("facebook_pixel", pixel)),
    Form("Meta for Developers: Meta Pixel, Advanced: Install the Pixel using an IMG tag (ev first, id later)", "html",
         '<img src="https://www.facebook.com/tr/?ev=ViewContent&amp;id=@ID@&amp;cd[currency]=USD" height="1" '
         'width="1" style="display:none"/>', one("facebook_pixel", pixel)),
    Form("Meta: multiple pixels on one page, fbq('addPixelId') / legacy _fbq.push(['addPixelId'])", "html",
         "<script>window._fbq = window._fbq || []; _fbq.push(['addPixelId', '@ID@']);"
         " window._fbq.push(['track', 'PixelInitialized', {}]);</script>", one("facebook_pixel", pixel)),
    # ---- Yandex ----
    Form("Yandex Metrica: Installing the tag, current code (tag.js?id= and ym(<id>, 'init'))", "html", """
<!-- Yandex.Metrika counter -->
<script type="text/javascript">
    (function(m,e,t,r,i,k,a){
        m[i]=m[i]||function(){(m[i].a=m[i].a||[]).push(arguments)};
        m[i].l=1*new Date();
        for (var j = 0; j < document.scripts.length; j++) {if (document.scripts[j].src === r) { return; }}
        k=e.createElement(t),a=e.getElementsByTagName(t)[0],k.async=1,k.src=r,a.parentNode.insertBefore(k,a)
    })(window, document,'script','https://mc.yandex.ru/metrika/tag.js?id=@ID@', 'ym');

    ym(@ID@, 'init', {ssr:true, webvisor:true, clickmap:true, accurateTrackBounce:true, trackLinks:true});
</script>""", one("yandex_metrika", metrika)),
    Form("Yandex Metrica: Installing the tag, <noscript> image (mc.yandex.ru/watch/<id>)", "html",
         '<noscript><div><img src="https://mc.yandex.ru/watch/@ID@" style="position:absolute; left:-9999px;" alt="" />'
         '</div></noscript>', one("yandex_metrika", metrika)),
    Form("Yandex Metrica: Separate tag code file (/metrika.js with ym(<id>, \"init\"))", "js",
         '(window, document, "script", "https://mc.yandex.ru/metrika/tag.js", "ym")\nym(@ID@, "init",{\n'
         'id:@ID@,\nclickmap:true,\ntrackLinks:true,\naccurateTrackBounce:true\n});', one("yandex_metrika", metrika)),
    Form("Yandex Metrica: legacy watch.js code (w.yaCounter<id> = new Ya.Metrika({id: …}))", "html", """
<script type="text/javascript">
(function (d, w, c) { (w[c] = w[c] || []).push(function() { try {
  w.yaCounter@ID@ = new Ya.Metrika({ id:@ID@, clickmap:true, trackLinks:true, accurateTrackBounce:true });
} catch(e) { } }); })(document, window, "yandex_metrika_callbacks");
</script>""", one("yandex_metrika", metrika)),
    Form("Yandex Metrica: legacy tag.js v2 (new Ya.Metrika2({id: …}))", "js",
         "window.yaCounter = new Ya.Metrika2({id: @ID@, clickmap: true, trackLinks: true});",
         one("yandex_metrika", metrika)),
    Form("Yandex Metrica: Informer (informer image and metrika.yandex.ru/stat link)", "html", """
<!-- Yandex.Metrika informer -->
<a href="https://metrika.yandex.ru/stat/?id=@ID@&amp;from=informer" target="_blank" rel="nofollow"><img
 src="https://informer.yandex.ru/informer/@ID@/3_1_FFFFFFFF_EFEFEFFF_0_pageviews"
 style="width:88px; height:31px; border:0;" alt="Yandex.Metrica" /></a>
<!-- /Yandex.Metrika informer -->""", one("yandex_metrika", metrika)),
    # ---- Hotjar, Matomo, Cloudflare, Clarity, TikTok ----
    Form("Hotjar: Installing the Hotjar tracking code (h._hjSettings={hjid:…})", "html", """
<script>
    (function(h,o,t,j,a,r){
        h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};
        h._hjSettings={hjid:@ID@,hjsv:6};
        a=o.getElementsByTagName('head')[0];
        r=o.createElement('script');r.async=1;
        r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;
        a.appendChild(r);
    })(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');
</script>""", one("hotjar_id", hotjar)),
    Form("Hotjar: tracking code as a static script (static.hotjar.com/c/hotjar-<id>.js)", "html",
         '<script async src="https://static.hotjar.com/c/hotjar-@ID@.js?sv=6"></script>', one("hotjar_id", hotjar)),
    Form("Hotjar: current tracking code (static.hj.contentsquare.net/c/csq-, site id as last argument)", "html", """
<script>
    (function (c, s, q, u, a, r, e) {
        c.hj=c.hj||function(){(c.hj.q=c.hj.q||[]).push(arguments)};
        c._hjSettings = { hjid: a };
        r = s.getElementsByTagName('head')[0];
        e = s.createElement('script');
        e.async = true;
        e.src = q + c._hjSettings.hjid + u;
        r.appendChild(e);
    })(window, document, 'https://static.hj.contentsquare.net/c/csq-', '.js', @ID@);
</script>""", one("hotjar_id", hotjar)),
    Form("Hotjar: the script URL the current tracking code builds (csq-<id>.js) as a static script", "html",
         '<script async src="https://static.hj.contentsquare.net/c/csq-@ID@.js"></script>', one("hotjar_id", hotjar)),
    Form("Matomo: JavaScript Tracking Client, tracking code (var u=…, setSiteId)", "html", """
<!-- Matomo -->
<script>
  var _paq = window._paq = window._paq || [];
  _paq.push(['trackPageView']);
  _paq.push(['enableLinkTracking']);
  (function() {
    var u="https://@ID@/";
    _paq.push(['setTrackerUrl', u+'matomo.php']);
    _paq.push(['setSiteId', '@ID2@']);
    var d=document, g=d.createElement('script'), s=d.getElementsByTagName('script')[0];
    g.async=true; g.src=u+'matomo.js'; s.parentNode.insertBefore(g,s);
  })();
</script>
<!-- End Matomo Code -->""", matomo("{host}")),
    Form("Matomo: Image Tracking (<noscript> matomo.php?idsite=…&rec=1)", "html",
         '<noscript><p><img referrerpolicy="no-referrer-when-downgrade" src="https://@ID@/matomo.php?idsite=@ID2@'
         '&amp;rec=1" style="border:0" alt="" /></p></noscript>', matomo("{host}")),
    Form("Matomo Cloud: tracking code (https://<name>.matomo.cloud/ + cdn.matomo.cloud/<name>.matomo.cloud/)", "html",
         """<script>
  var _paq = window._paq = window._paq || [];
  _paq.push(['trackPageView']);
  (function() {
    var u="https://@ID@.matomo.cloud/";
    _paq.push(['setTrackerUrl', u+'matomo.php']);
    _paq.push(['setSiteId', '@ID2@']);
    var d=document, g=d.createElement('script'), s=d.getElementsByTagName('script')[0];
    g.async=true; g.src='https://cdn.matomo.cloud/@ID@.matomo.cloud/matomo.js'; s.parentNode.insertBefore(g,s);
  })();
</script>""", lambda r: (lambda n, s: ({"ID": n, "ID2": s}, [("matomo_site", f"{n}.matomo.cloud/{s}")]))(
             r.choice(_WORDS) + str(r.randint(1, 99)), matomo_site(r))),
    Form("Cloudflare Web Analytics: add the JS snippet (data-cf-beacon token)", "html",
         "<!-- Cloudflare Web Analytics --><script defer src='https://static.cloudflareinsights.com/beacon.min.js' "
         "data-cf-beacon='{\"token\": \"@ID@\"}'></script><!-- End Cloudflare Web Analytics -->",
         one("cloudflare_analytics_token", cf_token)),
    Form("Microsoft Clarity: Clarity setup, install the tracking code manually", "html", """
<script type="text/javascript">
    (function(c,l,a,r,i,t,y){
        c[a]=c[a]||function(){(c[a].q=c[a].q||[]).push(arguments)};
        t=l.createElement(r);t.async=1;t.src="https://www.clarity.ms/tag/"+i;
        y=l.getElementsByTagName(r)[0];y.parentNode.insertBefore(t,y);
    })(window, document, "clarity", "script", "@ID@");
</script>""", one("microsoft_clarity", clarity)),
    Form("Microsoft Clarity: tag script loaded directly (www.clarity.ms/tag/<id>)", "html",
         '<script async src="https://www.clarity.ms/tag/@ID@"></script>', one("microsoft_clarity", clarity)),
    Form("TikTok for Business: Get started with the TikTok Pixel, base code (ttq.load)", "html", """
<script>
!function (w, d, t) {
  w.TiktokAnalyticsObject=t;var ttq=w[t]=w[t]||[];ttq.methods=["page","track","identify"];
  ttq.load=function(e,n){var i="https://analytics.tiktok.com/i18n/pixel/events.js";ttq._i=ttq._i||{},ttq._i[e]=[];
  var o=document.createElement("script");o.type="text/javascript",o.async=!0,o.src=i+"?sdkid="+e+"&lib="+t;
  var a=document.getElementsByTagName("script")[0];a.parentNode.insertBefore(o,a)};
  ttq.load('@ID@');
  ttq.page();
}(window, document, 'ttq');
</script>""", one("tiktok_pixel", tiktok)),
    Form("TikTok Pixel: events.js?sdkid=<id> (the URL the base code builds) as a static script", "html",
         '<script async src="https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=@ID@&amp;lib=ttq"></script>',
         one("tiktok_pixel", tiktok)),
    # ---- site verification ----
    Form("Google Search Console: Verify site ownership, HTML tag", "html",
         '<meta name="google-site-verification" content="@ID@" />', verification("google-site-verification")),
    Form("Bing Webmaster Tools: add a meta tag (msvalidate.01)", "html",
         '<meta name="msvalidate.01" content="@ID@" />', verification("msvalidate.01")),
    Form("Yandex Webmaster: meta tag verification (yandex-verification)", "html",
         "<meta name='yandex-verification' content='@ID@' />", verification("yandex-verification")),
    Form("Meta Business: domain verification meta tag (facebook-domain-verification)", "html",
         '<meta name="facebook-domain-verification" content="@ID@" />', verification("facebook-domain-verification")),
    Form("Pinterest: claim your website with an HTML tag (p:domain_verify)", "html",
         '<meta name="p:domain_verify" content="@ID@"/>', verification("p:domain_verify")),
)

# Unfilled snippets as the same documents print them: none may be taken, whatever sits near them.
# (Look-alikes in prose depend on context words and are the families' own decoy tables.)
PLACEHOLDERS: tuple[tuple[str, str], ...] = (
    ("Stripe docs", "const stripe = Stripe('pk_live_XXXXXXXXXXXXXXXXXXXXXXXX');"),
    ("Stripe docs", '<stripe-buy-button buy-button-id="buy_btn_XXXXXXXXXXXXXXXXXXXXXXXX" '
                    'publishable-key="pk_live_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"></stripe-buy-button>'),
    ("Stripe docs", '<stripe-pricing-table pricing-table-id="{{PRICING_TABLE_ID}}" '
                    'publishable-key="{{PUBLISHABLE_KEY}}"></stripe-pricing-table>'),
    ("PayPal docs", '<script src="https://www.paypal.com/sdk/js?client-id=YOUR_CLIENT_ID&currency=USD"></script>'),
    ("PayPal docs", '<script src="https://www.paypal.com/sdk/js?client-id=test&components=buttons"></script>'),
    ("PayPal docs", 'paypal.HostedButtons({ hostedButtonId: "XXXXXXXXXXXXX" }).render("#paypal-container")'),
    ("PayPal docs", "PayPal.Donation.Button({env:'production', hosted_button_id:'YOUR_BUTTON_ID'})"),
    ("PayPal docs", '<form action="https://www.paypal.com/cgi-bin/webscr"><input name="business" '
                    'value="you@youremail.com"><input name="business" value="XXXXXXXXXXXXX"></form>'),
    ("Coinbase docs", '<a class="buy-with-crypto" href="https://commerce.coinbase.com/checkout/YOUR-CHECKOUT-ID">x</a>'),
    ("Coinbase docs", '<a href="https://commerce.coinbase.com/charges/XXXXXXXX">Pay</a>'),
    ("CCBill docs", '<a href="https://api.ccbill.com/wap-frontflex/flexforms/{flexId}?clientSubacc=XXXX">j</a>'
                    '<a href="https://bill.ccbill.com/jpost/signup.cgi?clientAccnum=XXXXXX&clientSubacc=XXXX">j</a>'),
    ("Google docs", "<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-XXXXXXXXXX\"></script>"
                    "<script>gtag('config', 'G-XXXXXXXXXX'); gtag('config', 'GA_MEASUREMENT_ID');</script>"),
    ("Google docs", "<script>ga('create', 'UA-XXXXX-Y', 'auto'); gtag('config', 'AW-CONVERSION_ID');</script>"),
    ("Google docs", "<script>(window,document,'script','dataLayer','GTM-XXXX');</script>"
                    '<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-XXXXXXX"></iframe></noscript>'),
    ("AdSense docs", '<ins class="adsbygoogle" data-ad-client="ca-pub-XXXXXXXXXXXXXXXX"></ins>'
                     '<meta name="google-adsense-account" content="ca-pub-0000000000000000">'),
    ("AdSense docs", "google.com, pub-0000000000000000, DIRECT, f08c47fec0942fa0"),
    ("Meta docs", "<script>fbq('init', '{your-pixel-id-goes-here}'); fbq('init', 'YOUR_PIXEL_ID');</script>"
                  '<noscript><img src="https://www.facebook.com/tr?id={pixel-id}&ev=PageView&noscript=1"/></noscript>'),
    ("Meta docs", "<script>fbq('init', 'XXXXXXXXXXXXXXX');</script>"),
    ("Yandex docs", 'ym(XXXXXX, "init", {clickmap:true});<img src="https://mc.yandex.ru/watch/XXXXXX" alt="" />'),
    ("Hotjar docs", "h._hjSettings={hjid:YOUR_HOTJAR_ID,hjsv:6};"),
    ("TikTok docs", "ttq.load('YOUR_PIXEL_ID'); ttq.load('CXXXXXXXXXXXXXXXXXXX');"),
    ("Clarity docs", '(window, document, "clarity", "script", "yourProjectId");'),
    ("Matomo docs", "var u=\"//{$MATOMO_URL}/\"; _paq.push(['setSiteId', '{$IDSITE}']);"
                    '<img src="https://your-matomo-domain.example/matomo.php?idsite=1&amp;rec=1" alt="">'),
    ("Cloudflare docs", "<script defer src='https://static.cloudflareinsights.com/beacon.min.js' "
                        "data-cf-beacon='{\"token\": \"$SITE_TAG\"}'></script>"),
)


def make_formsweb(seed: int = 11, copies: int = 25) -> list[tuple[str, str, str, Expected]]:
    """(url, content_type, text, expected) pages: each HTML page mixes 2-6 documented forms with
    filler and placeholders; forms served as .js/.json/.txt get a file of their own.  Every form
    appears ``copies`` times over the web, each time with fresh values."""
    r = random.Random(seed)
    order = list(FORMS) * copies
    r.shuffle(order)
    pages: list[tuple[str, str, str, Expected]] = []
    i = 0
    while order:
        k = r.randint(2, 6)
        picked, order = order[:k], order[k:]
        site = f"https://{r.choice(_WORDS)}{i}.example-shop.se"
        body, expected = [], []
        for form in picked:
            text, exp = form.render(r)
            if form.content_type == "html":
                body.append(text)
                expected += exp
            else:
                ext = {"js": "js", "json": "json", "text": "txt"}[form.content_type]
                pages.append((f"{site}/static/{i}-{len(pages)}.{ext}", form.content_type, text, exp))
            body.append(f"<p>{' '.join(r.choice(_WORDS) for _ in range(r.randint(5, 40)))}</p>")
            if r.random() < 0.5:
                body.append(r.choice(PLACEHOLDERS)[1])
        html = (f'<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Shop {i}</title></head>'
                f"<body><main>{''.join(body)}</main></body></html>")
        pages.append((f"{site}/index.html", "html", html, expected))
        i += 1
    return pages


def write_formsweb(root, seed: int = 5, n_sites: int = 8, copies: int = 2) -> dict[str, set[tuple[str, str]]]:
    """Write the forms as a FakeWeb directory (hosts.json, sites/, reports.csv) under ``root`` and
    return the truth ``{host: {(kind, value)}}``.

    Each site's index links to pages of three inline forms (with placeholders between them) and loads
    its .js/.json forms as same-site scripts; every form appears ``copies`` times over the web
    (ads.txt lines are left out: the crawler reads pages and scripts, not ads.txt).  Every page also
    carries a self-hosted Matomo ``<noscript>`` image on its own site, which the crawl must read
    from the URL text and never request."""
    import json
    from pathlib import Path

    root = Path(root)
    r = random.Random(seed)
    forms = [f for f in FORMS if f.content_type != "text"] * copies
    r.shuffle(forms)
    hosts = [f"forms{i:02d}-shop.se" for i in range(n_sites)]
    truth: dict[str, set[tuple[str, str]]] = {h: set() for h in hosts}
    pages: dict[str, dict[str, str]] = {h: {} for h in hosts}
    scripts: dict[str, list[str]] = {h: [] for h in hosts}
    placed: dict[str, list[str]] = {h: [] for h in hosts}
    for n, form in enumerate(forms):
        host = hosts[n % n_sites]
        text, expected = form.render(r)
        truth[host].update(expected)
        if form.content_type == "html":
            name = f"/p/{sum(1 for f in placed[host] if f == 'html') // 3}.html"
            placed[host].append("html")
            pages[host][name] = pages[host].get(name, "") + text + "\n<p>" + r.choice(_WORDS) + "</p>\n" + (
                r.choice(PLACEHOLDERS)[1] if r.random() < 0.5 else "")
        else:
            path = f"/static/{len(scripts[host])}.js"
            body = text if form.content_type == "js" else f"window.__charge = {text};"
            scripts[host].append(path)
            (root / "sites" / host / "static").mkdir(parents=True, exist_ok=True)
            (root / "sites" / host / path.lstrip("/")).write_text(body, "utf-8")
    for host in hosts:
        site = root / "sites" / host
        (site / "p").mkdir(parents=True, exist_ok=True)
        pixel = (f'<noscript><p><img src="{{{{url:{host}/stats/matomo.php}}}}?idsite=7&amp;rec=1" alt="" />'
                 f"</p></noscript>")
        truth[host].add(("matomo_site", f"{host}/7"))
        for name, body in pages[host].items():
            (site / name.lstrip("/")).write_text(
                f"<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>{name}</title></head>"
                f"<body>{body}{pixel}</body></html>", "utf-8")
        links = "".join(f'<li><a href="{name}">{name}</a></li>' for name in pages[host])
        tags = "".join(f'<script src="{path}"></script>' for path in scripts[host])
        (site / "index.html").write_text(
            f"<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>{host}</title>{tags}</head>"
            f"<body><h1>{host}</h1><ul>{links}</ul>{pixel}</body></html>", "utf-8")
    (root / "hosts.json").write_text(json.dumps({h: "127.0.0.2" for h in hosts}, indent=1), "utf-8")
    rows = ["url,report_id,reported_at,source,referrer"]
    rows += [f"{{{{url:{h}}}}}/,F-{i:03d},2026-11-01T08:00:00Z,test," for i, h in enumerate(hosts)]
    (root / "reports.csv").write_text("\n".join(rows) + "\n", "utf-8")
    return truth
