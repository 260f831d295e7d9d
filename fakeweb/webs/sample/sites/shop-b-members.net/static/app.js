window.APP_CONFIG = {"stripeKey": "pk_live_51HxKq2LkW9aZbC3dEfGhIjKlMnOpQrStUvWxYz0123456789abcdefGHIJKLmnopQRSTuvwxYZ00aBcDeFgHi", "plan": "vip-monthly", "price": 2995};
var stripe = Stripe(window.APP_CONFIG.stripeKey);
