// A checkout built in the browser: no identifier is in this file as one string.
(function () {
  var root = document.getElementById("root");
  function add(tag, text, attrs) {
    var el = document.createElement(tag);
    if (text) el.textContent = text;
    for (var k in (attrs || {})) el.setAttribute(k, attrs[k]);
    root.appendChild(el);
    return el;
  }
  // 1. string pieces
  add("p", "Bitcoin: " + ["bc1qw508d6", "qejxtdg4y5r3", "zarvary0c5xw7kv8f3t4"].join(""));
  // 2. atob
  add("p", "Mail: " + atob("Y2FzaGllckBqc3Nob3Atci5jb20="));
  // 3. char codes: a Telegram link
  var codes = [104,116,116,112,115,58,47,47,116,46,109,101,47,106,115,115,104,111,112,95,112,97,121];
  add("a", "Chat", {href: String.fromCharCode.apply(null, codes)});
  // 4. a same-origin JSON endpoint
  fetch("/api/checkout.json").then(function (r) { return r.json(); }).then(function (j) {
    add("p", "Ethereum: " + j.wallets.eth);
  });
  // 5. a template over a data array
  var desks = [{city: "London", parts: ["+44 20", "7946", "0958"]}];
  desks.forEach(function (d) { add("li", `${d.city}: ${d.parts.join(" ")}`); });
  // 6. a timer
  setTimeout(function () { add("p", "IBAN: " + "GB82 WEST" + " 1234 5698 7654 32"); }, 300);

  // media the script asks for: none of it may reach the server
  new Image().src = "/media/pixel.gif";
  fetch("/media/clip.mp4").catch(function () {});
  add("img", "", {src: "/media/inserted.png"});
  add("video", "", {src: "/media/movie.webm", autoplay: "autoplay"});
  add("div", "", {id: "bg"}).style.backgroundImage = "url(/media/bg.jpg)";
  // SSRF from script: loopback, the metadata address, a name that resolves to loopback
  fetch("http://127.0.0.1:{{port}}/secret-literal").catch(function () {});
  fetch("http://169.254.169.254/latest/meta-data/").catch(function () {});
  fetch("http://internal.jsshop-r.com:{{port}}/secret-name").catch(function () {});
})();
