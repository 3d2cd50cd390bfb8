// Checkout's saved addresses: with JavaScript, the new-address fields show only while
// "A new address" is chosen. Without it they stay shown (the server ignores them unless
// "A new address" is chosen).
(function () {
  "use strict";
  document.querySelectorAll("[data-address-choice]").forEach(function (section) {
    var fields = section.querySelector("[data-new-address]");
    var hint = section.querySelector("[data-new-address-hint]");
    if (!fields) { return; }
    function show() {
      var chosen = section.querySelector("input[name=saved_address]:checked");
      fields.hidden = !chosen || chosen.value !== "new";
      if (hint) { hint.hidden = true; }
    }
    section.addEventListener("change", function (event) {
      if (event.target.name === "saved_address") { show(); }
    });
    show();
  });
})();
