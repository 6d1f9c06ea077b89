/* ERBM intranet: small progressive enhancements on top of htmx. No inline script (CSP). */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every htmx request carries the CSRF token; no reliance on hx-headers inheritance.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // After a swap: move focus where the server asked (data-erbm-focus), and
  // announce a message (data-erbm-announce) in the polite live region.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt || document;
    var scope = root.parentNode || document;
    var focusTarget = scope.querySelector("[data-erbm-focus]");
    if (focusTarget) {
      if (!focusTarget.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(focusTarget.tagName)) {
        focusTarget.setAttribute("tabindex", "-1");
      }
      focusTarget.focus();
      focusTarget.removeAttribute("data-erbm-focus");
    }
    var announcer = scope.querySelector("[data-erbm-announce]");
    var live = document.getElementById("erbm-live");
    if (announcer && live) {
      live.textContent = "";
      window.setTimeout(function () { live.textContent = announcer.getAttribute("data-erbm-announce"); }, 50);
      announcer.removeAttribute("data-erbm-announce");
    }
  });

  // Buttons marked data-erbm-confirm ask before submitting (replaces hx-confirm's inline prompt text).
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = submitter && submitter.getAttribute("data-erbm-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopPropagation();  // htmx ignores defaultPrevented: keep the event from its form listener
    }
  }, true);
})();

/* Inline row editing (administration): Escape inside a [data-erbm-escape] form
   activates its [data-erbm-cancel] control, which swaps the row back. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target || !event.target.closest) {
      return;
    }
    var editor = event.target.closest("[data-erbm-escape]");
    var cancel = editor && editor.querySelector("[data-erbm-cancel]");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });
})();
