// Printable order documents: show a Print button when the browser can print.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof window.print !== "function") {
    return;
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
});
