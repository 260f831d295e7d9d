// checkout.js – card payments
(function () {
  var stripe = Stripe('pk_live_51HxKq2LkW9aZbC3dEfGhIjKlMnOpQrStUvWxYz0123456789abcdefGHIJKLmnopQRSTuvwxYZ00aBcDeFgHi');
  var elements = stripe.elements();
  var card = elements.create('card');
  card.mount('#card-element');
})();
