// Address forms: the country shows its own fields, and a mainland Chinese address's city and
// district choices follow the province and city chosen, with no reload. Without JavaScript the
// buttons beside the choices bring the page back with the next level's choices instead.
(function () {
  "use strict";
  document.querySelectorAll(".address-fields").forEach(function (box) {
    var url = box.getAttribute("data-divisions-url");
    var country = box.querySelector("select[name=country]");
    var china = box.querySelector(".address-china");
    var elsewhere = box.querySelector(".address-elsewhere");
    var province = box.querySelector("select[name=province_code]");
    var city = box.querySelector("select[name=city_code]");
    var district = box.querySelector("select[name=district_code]");
    var steps = box.querySelectorAll(".address-step");
    if (!url || !country || !province || !city || !district || !window.fetch) { return; }
    var loaded = {};  // parent code -> promise of its children, fetched once per page

    function showSteps(shown) {
      steps.forEach(function (button) { button.hidden = !shown; });
    }

    function children(code) {
      if (!loaded[code]) {
        loaded[code] = fetch(url + "?parent=" + encodeURIComponent(code), {
          headers: { Accept: "application/json" }, credentials: "same-origin"
        }).then(function (response) {
          if (!response.ok) { throw new Error("divisions " + response.status); }
          return response.json();
        });
        loaded[code].catch(function () { delete loaded[code]; });
      }
      return loaded[code];
    }

    // Keep the prompt (the first option), drop the rest; the next level waits for this one.
    function empty(select) {
      select.length = 1;
      select.value = "";
      select.setAttribute("data-parent", "");
    }

    function fill(select, code) {
      empty(select);
      if (!code) { return; }
      select.setAttribute("data-parent", code);
      select.disabled = true;
      children(code).then(function (data) {
        // A newer choice above replaced this one while it loaded.
        if (select.getAttribute("data-parent") !== code) { return; }
        data.divisions.forEach(function (division) {
          select.add(new Option(division.name, division.code));
        });
      }).catch(function () {
        // The buttons still work: fall back to the page's own step.
        showSteps(true);
      }).then(function () {
        if (select.getAttribute("data-parent") === code) { select.disabled = false; }
      });
    }

    function showCountry() {
      var isChina = country.value === "CN";
      if (china) { china.hidden = !isChina; }
      if (elsewhere) { elsewhere.hidden = isChina; }
    }

    showSteps(false);
    // A choice made before this script ran (on a slow page) still gets the next level's choices.
    if (province.value && city.length <= 1) {
      fill(city, province.value);
    } else if (city.value && district.length <= 1) {
      fill(district, city.value);
    }
    country.addEventListener("change", showCountry);
    province.addEventListener("change", function () {
      fill(city, province.value);
      empty(district);
    });
    city.addEventListener("change", function () {
      fill(district, city.value);
    });
    showCountry();
  });
})();
