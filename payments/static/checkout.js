// Razorpay Checkout for /pay/{token}: the options come from the button's data attribute (no
// inline script, so the page's Content-Security-Policy can forbid it). On success the
// handler posts Razorpay's ids and signature, with the page's CSRF token, to /return.
(function () {
  "use strict";
  var button = document.getElementById("pay");
  if (!button) return;
  var options = JSON.parse(button.getAttribute("data-options") || "{}");
  options.handler = function (r) {
    var f = document.getElementById("done");
    for (var k in r) {
      if (f.elements[k]) f.elements[k].value = r[k];
    }
    f.submit();
  };
  button.addEventListener("click", function () {
    new window.Razorpay(options).open();
  });
})();
