// Product page: the price, the stock line and the photo follow the option chosen, and the address
// keeps it (?variant=<id>) so a shared link opens on the same choice. The texts come from the server,
// formatted and translated there (#product-choice). Without JavaScript the server renders the same
// from the address, and the option list posts to the cart either way.
(function () {
  "use strict";
  var source = document.getElementById("product-choice");
  var form = document.querySelector(".add-to-cart");
  if (!source || !form) { return; }
  var data = JSON.parse(source.textContent);
  var prices = document.querySelectorAll("[data-product-price]");
  var stocks = document.querySelectorAll("[data-product-stock]");
  var photo = document.querySelector("[data-product-photo]");
  var thumbnails = document.querySelectorAll(".product-image-more a");
  var languageNext = document.querySelector(".language-switch input[name=next]");

  function showPhoto(image) {
    if (!photo || !image) { return; }
    var img = photo.querySelector("img");
    photo.setAttribute("href", image.full_url);
    img.setAttribute("src", image.url);
    img.setAttribute("alt", image.alt);
    thumbnails.forEach(function (thumbnail) {
      if (thumbnail.getAttribute("href") === image.full_url) {
        thumbnail.setAttribute("aria-current", "true");
      } else {
        thumbnail.removeAttribute("aria-current");
      }
    });
  }

  // The price, and on sale the regular price struck through after it, as the server writes them.
  function showPrice(element, variant) {
    element.textContent = variant.price;
    if (!variant.was) { return; }
    var was = document.createElement("del");
    var label = document.createElement("span");
    was.className = "price-was";
    label.className = "visually-hidden";
    label.textContent = data.was_label;
    was.appendChild(label);
    was.appendChild(document.createTextNode(" " + variant.was));
    element.appendChild(document.createTextNode(" "));
    element.appendChild(was);
  }

  function show(id) {
    var variant = data.variants[id];
    if (!variant) { return; }
    prices.forEach(function (price) { showPrice(price, variant); });
    stocks.forEach(function (stock) {
      stock.textContent = variant.stock.text;
      stock.className = "stock stock-" + variant.stock.state;
      stock.hidden = false;
    });
    showPhoto(variant.image || data.image);
  }

  // The address, and the language switch that reloads it, name the option shown (or none).
  function remember(id) {
    var url = new URL(window.location.href);
    if (id === null) {
      url.searchParams.delete("variant");
    } else {
      url.searchParams.set("variant", id);
    }
    window.history.replaceState(window.history.state, "", url.href);
    if (languageNext) { languageNext.value = url.pathname + url.search; }
  }

  form.addEventListener("change", function (event) {
    if (event.target.name !== "variant" || event.target.type !== "radio") { return; }
    show(event.target.value);
    remember(event.target.value);
  });

  // Going back to the page may restore another choice than the one the server rendered.
  var checked = form.querySelector("input[type=radio][name=variant]:checked");
  if (checked && checked.value !== String(data.checked)) {
    show(checked.value);
    remember(checked.value);
  } else if (data.chosen === null && new URLSearchParams(window.location.search).has("variant")) {
    remember(null);  // the address named no option of this product
  }
})();
