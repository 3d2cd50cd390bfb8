// Checkout: show only the total with the shipping method chosen, and follow the choice. When the
// address's country or province changes, the shipping choices and totals for the new destination
// come from the server (orders:checkout_shipping) with no reload, once per destination and page.
// Without JavaScript every method's total stays listed, each with its name, and the address
// step's buttons bring the page back with the methods for the province chosen.
(function () {
  "use strict";
  var form = document.querySelector(".checkout-form");
  if (!form) { return; }
  var list = form.querySelector(".checkout-totals");

  function show() {
    var chosen = form.querySelector("input[name=shipping_method]:checked");
    form.querySelectorAll(".checkout-total[data-shipping-method]").forEach(function (total) {
      total.hidden = !!chosen && total.getAttribute("data-shipping-method") !== chosen.value;
    });
  }

  var loaded = {};  // "country province" -> promise of {shipping, totals}

  function choices(url, country, province) {
    var key = country + " " + province;
    if (!loaded[key]) {
      var query = "?country=" + encodeURIComponent(country) + "&province_code=" + encodeURIComponent(province);
      loaded[key] = fetch(url + query, {
        headers: { Accept: "application/json" }, credentials: "same-origin"
      }).then(function (response) {
        if (!response.ok) { throw new Error("shipping " + response.status); }
        return response.json();
      });
      loaded[key].catch(function () { delete loaded[key]; });
    }
    return loaded[key];
  }

  // Where the parcel goes: the chosen saved address, else the country and province chosen.
  function destination() {
    var saved = form.querySelector("input[name=saved_address]:checked");
    if (saved && saved.value !== "new") {
      return [saved.getAttribute("data-country") || "", saved.getAttribute("data-province") || ""];
    }
    var country = form.querySelector("select[name=country]");
    var province = form.querySelector("select[name=province_code]");
    if (!country) { return null; }
    return [country.value, country.value === "CN" && province ? province.value : ""];
  }

  function update() {
    var box = form.querySelector("#checkout-shipping");
    var url = box && box.getAttribute("data-shipping-url");
    var place = destination();
    if (!url || !place || !window.fetch) { return; }
    var wanted = place[0] + ":" + (place[0] === "CN" ? place[1] : "");
    form.setAttribute("data-shipping-for", wanted);
    choices(url, place[0], place[0] === "CN" ? place[1] : "").then(function (data) {
      // A newer choice of country or province replaced this one while it loaded.
      if (form.getAttribute("data-shipping-for") !== wanted) { return; }
      // The prices shown are now this destination's: the order may be placed with them.
      var seen = form.querySelector("input[name=destination_seen]");
      if (seen) { seen.value = wanted; }
      var before = form.querySelector("input[name=shipping_method]:checked");
      var current = form.querySelector("#checkout-shipping");
      current.insertAdjacentHTML("beforebegin", data.shipping);
      current.remove();
      if (before) {
        // Keep the shopper's choice when it still delivers there.
        var same = form.querySelector("input[name=shipping_method][value='" + before.value + "']");
        if (same) { same.checked = true; }
      }
      if (list) {
        list.querySelectorAll(".checkout-total").forEach(function (total) { total.remove(); });
        list.insertAdjacentHTML("beforeend", data.totals);
      }
      show();
    }).catch(function () {
      // The address step's buttons still bring the right methods: nothing to do here.
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "shipping_method") { show(); }
    var name = event.target.name;
    if (name === "country" || name === "province_code" || name === "saved_address") { update(); }
  });
  show();
})();
