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

  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !document.contains(active);
  }

  function firstInvalid(root) {
    var selector = '[aria-invalid="true"]';
    if (root.matches && root.matches(selector)) { return root; }
    return root.querySelector ? root.querySelector(selector) : null;
  }

  // After a swap: move focus where the server asked (data-erbm-focus), and
  // announce a message (data-erbm-announce) in the polite live region.
  // A form swapped back with errors takes the focus to its first invalid field
  // when the swap removed the focused element (the submit button): keyboard and
  // screen-reader users land on the field, whose description is the error.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt || document;
    var scope = root.parentNode || document;
    var focusTarget = scope.querySelector("[data-erbm-focus]") || (focusLost() ? firstInvalid(root) : null);
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
      // Read the message now: the attribute is removed before the timeout fires.
      var message = announcer.getAttribute("data-erbm-announce");
      announcer.removeAttribute("data-erbm-announce");
      live.textContent = "";
      window.setTimeout(function () { live.textContent = message; }, 50);
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

  // Agenda drag and drop (mouse shortcut; the "Monter"/"Descendre" buttons are the accessible path).
  // The list names its reorder form in data-erbm-sortable; on drop the new order is posted through it.
  var dragged = null;
  function sortableItem(node) {
    return node && node.closest ? node.closest("[data-erbm-sortable] > [data-item-id]") : null;
  }
  document.addEventListener("dragstart", function (event) {
    var item = sortableItem(event.target);
    if (!item || item.getAttribute("draggable") !== "true") { return; }
    dragged = item;
    item.classList.add("erbm-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-item-id"));
  });
  document.addEventListener("dragover", function (event) {
    var item = sortableItem(event.target);
    if (!dragged || !item || item === dragged || item.parentNode !== dragged.parentNode) { return; }
    event.preventDefault();
    var rect = item.getBoundingClientRect();
    var after = (event.clientY - rect.top) > rect.height / 2;
    item.parentNode.insertBefore(dragged, after ? item.nextSibling : item);
  });
  document.addEventListener("drop", function (event) {
    if (dragged) { event.preventDefault(); }
  });
  document.addEventListener("dragend", function () {
    if (!dragged) { return; }
    var list = dragged.parentNode;
    dragged.classList.remove("erbm-dragging");
    dragged = null;
    var form = document.getElementById(list.getAttribute("data-erbm-sortable"));
    var input = form && form.querySelector('input[name="order"]');
    if (!input) { return; }
    var ids = [];
    Array.prototype.forEach.call(list.children, function (child) {
      if (child.hasAttribute("data-item-id")) { ids.push(child.getAttribute("data-item-id")); }
    });
    if (input.value === ids.join(",")) { return; }
    input.value = ids.join(",");
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  });
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
