// Checkout: show only the total with the shipping method chosen, and follow the choice.
// Without JavaScript every method's total stays listed, each with its name.
(function () {
  "use strict";
  var form = document.querySelector(".checkout-form");
  if (!form) { return; }
  var totals = form.querySelectorAll(".checkout-total[data-shipping-method]");
  function show() {
    var chosen = form.querySelector("input[name=shipping_method]:checked");
    if (!chosen) { return; }
    totals.forEach(function (total) {
      total.hidden = total.getAttribute("data-shipping-method") !== chosen.value;
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "shipping_method") { show(); }
  });
  show();
})();
