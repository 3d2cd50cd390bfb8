// The order link's "Copy link" button (the Clipboard API). Without it, or when copying is
// refused, the field stays there to be selected and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-link]").forEach(function (box) {
    var field = box.querySelector("[data-copy-source]");
    var button = box.querySelector("[data-copy-button]");
    var status = box.querySelector("[data-copy-status]");
    field.addEventListener("focus", function () {
      field.select();
    });
    if (!button || !navigator.clipboard || !window.isSecureContext) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () {
          status.textContent = button.dataset.copiedText;
        },
        function () {
          field.focus();
          field.select();
        }
      );
    });
  });
})();
