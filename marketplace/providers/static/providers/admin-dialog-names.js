// Wagtail's modals (the "Choose provider" chooser among them) are role="dialog" with no
// accessible name, so a screen reader announces only "dialog". Name each one by its own
// heading as soon as its content arrives, and mark it modal. The heading's text is copied
// rather than referred to by id: the modal's heading has the same id ("header-title") as
// the heading of the page beneath it.
(function () {
  "use strict";
  function nameDialogs() {
    document.querySelectorAll('.modal[role="dialog"]').forEach(function (dialog) {
      var heading = dialog.querySelector(".modal-body h1, .modal-body h2");
      if (!heading) return;
      var name = heading.textContent.replace(/\s+/g, " ").trim();
      if (name && dialog.getAttribute("aria-label") !== name) {
        dialog.setAttribute("aria-label", name);
      }
      if (dialog.getAttribute("aria-modal") !== "true") {
        dialog.setAttribute("aria-modal", "true");
      }
    });
  }
  new MutationObserver(nameDialogs).observe(document.body, { childList: true, subtree: true });
})();
