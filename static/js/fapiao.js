// Fapiao fields: with JavaScript, shown only while "Request a fapiao" is ticked, and the
// tax number only for a company. Without it every field stays shown (the server ignores
// them unless the box is ticked).
(function () {
  "use strict";
  document.querySelectorAll("[data-fapiao-fields]").forEach(function (fields) {
    var form = fields.closest("form");
    var section = fields.closest("[data-fapiao]");
    var wanted = section ? section.querySelector("input[name=fapiao_wanted]") : null;
    var hint = section ? section.querySelector("[data-fapiao-hint]") : null;
    var company = fields.querySelector("[data-fapiao-company]");
    function show() {
      if (wanted) {
        fields.hidden = !wanted.checked;
        if (hint) { hint.hidden = true; }
      }
      var kind = form.querySelector("input[name=fapiao_kind]:checked");
      if (company) { company.hidden = !kind || kind.value !== "company"; }
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "fapiao_wanted" || event.target.name === "fapiao_kind") { show(); }
    });
    show();
  });
})();
