// Letopis web pages: small helpers of the project's own; every page works without them.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A form is sent once: a second click while it is on its way does nothing.
  for (const form of document.querySelectorAll("form")) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sent === "1") { event.preventDefault(); return; }
      form.dataset.sent = "1";
      for (const b of form.querySelectorAll("button[type=submit]")) b.setAttribute("aria-busy", "true");
    });
  }
});
