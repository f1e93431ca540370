// Small behaviours for the web shell. The CSP forbids inline scripts and handlers, so they live
// here. htmx swaps parts of the page, so every listener is delegated from document rather than
// bound to elements that may be replaced.
(() => {
  "use strict";

  const GO_TIMEOUT_MS = 1200; // how long "g" waits for its second key
  let goPending = false;
  let goTimer = 0;

  const shortcutsDialog = () => document.getElementById("shortcuts");

  function openShortcuts() {
    const dialog = shortcutsDialog();
    if (dialog && !dialog.open) dialog.showModal();
  }

  function closeMenus(except) {
    for (const menu of document.querySelectorAll("details.menu[open]")) {
      if (menu !== except) menu.open = false;
    }
  }

  function setNavOpen(open) {
    document.body.classList.toggle("nav-open", open);
    const toggle = document.querySelector("[data-toggle=nav]");
    if (toggle) toggle.setAttribute("aria-expanded", String(open));
  }

  // Keys typed into a field are text, not shortcuts.
  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    return target.isContentEditable || target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      // A modal <dialog> closes itself on Esc; menus and the phone drawer need help.
      closeMenus();
      setNavOpen(false);
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    if (document.querySelector("dialog[open]")) return;

    if (goPending) {
      goPending = false;
      clearTimeout(goTimer);
      const link = document.querySelector(`a.nav-item[data-go="${CSS.escape(event.key.toLowerCase())}"]`);
      if (link) {
        event.preventDefault();
        link.click();
      }
      return;
    }

    if (event.key === "?") {
      event.preventDefault();
      openShortcuts();
    } else if (event.key === "g") {
      goPending = true;
      goTimer = setTimeout(() => { goPending = false; }, GO_TIMEOUT_MS);
    } else if (event.key === "/") {
      const field = document.querySelector("[data-search]") || document.querySelector(".filters input, .filters select");
      if (field) {
        event.preventDefault();
        field.focus();
        if (typeof field.select === "function") field.select();
      }
    }
  });

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;

    // Clicking outside an open menu closes it; opening one menu closes the others.
    closeMenus(target.closest("details.menu"));

    if (target.closest("[data-show-shortcuts]")) {
      openShortcuts();
      return;
    }

    if (target.closest("[data-toggle=nav]")) {
      setNavOpen(!document.body.classList.contains("nav-open"));
      return;
    }
    if (document.body.classList.contains("nav-open") && !target.closest("#nav")) setNavOpen(false);

    const copyButton = target.closest("[data-copy]");
    if (copyButton) copy(copyButton);

    // A click on a modal's backdrop lands on the <dialog> itself, outside its box: close it.
    if (target instanceof HTMLDialogElement && target.open) {
      const box = target.getBoundingClientRect();
      const inside = event.clientX >= box.left && event.clientX <= box.right &&
        event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) target.close();
    }
  });

  async function copy(button) {
    const source = document.querySelector(button.dataset.copy);
    if (!source) return;
    const label = button.textContent;
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = "Copied";
      button.classList.add("copied");
    } catch {
      // No clipboard permission (e.g. plain http): select the text so Ctrl+C works.
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      button.textContent = "Press Ctrl+C";
    }
    setTimeout(() => {
      button.textContent = label;
      button.classList.remove("copied");
    }, 2000);
  }

  // A refused request answers with the part to show and why: 400 (a form's errors, a bad
  // filter), 409 (someone changed it first), 413 (too large), 422, 429 (throttled: "try again in
  // 55 seconds"). htmx swaps no 4xx answer by default, so the notice never showed (console:
  // Response Status Error Code 429). This one handler shows every such answer on every page;
  // 403, 404 and 5xx answer whole pages, which are not swapped into a part.
  const SHOWN_REFUSALS = new Set([400, 409, 413, 422, 429]);
  document.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    if (SHOWN_REFUSALS.has(xhr.status) && xhr.responseText) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Any other failed answer (403, 404, 5xx) is a whole page, not a part to swap in; rather than
  // fail silently, it is said above the page, in one alert that the next failure replaces.
  function failureText(status) {
    if (status === 403) return "You can't do that here: your role does not allow it.";
    if (status === 404) return "That is no longer here. Reload the page to see what is.";
    if (status >= 500) return `Something went wrong on our side (${status}). Try again in a moment.`;
    return `The request was refused (${status}).`;
  }

  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr.status;
    const main = document.querySelector("main");
    if (SHOWN_REFUSALS.has(status) || !main) return;
    let box = document.getElementById("request-failure");
    if (!box) {
      box = document.createElement("div");
      box.id = "request-failure";
      box.className = "messages";
      box.setAttribute("role", "alert");
      main.prepend(box);
    }
    const message = document.createElement("div");
    message.className = "message error";
    message.textContent = failureText(status);
    box.replaceChildren(message);
  });

  // Capture phase, so the question comes before htmx or anything else acts on the submit.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const question = form.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A region that scrolls sideways (a wide table on a phone) is reachable by keyboard, so arrow
  // keys can scroll it (WCAG 2.1.1): while it overflows and holds nothing focusable, it takes a
  // tab stop; when it fits again, the stop goes.
  const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

  function scrollsSideways(element) {
    if (element.scrollWidth <= element.clientWidth + 1) return false;
    const overflow = getComputedStyle(element).overflowX;
    return overflow === "auto" || overflow === "scroll";
  }

  function markScrollableRegions() {
    for (const marked of document.querySelectorAll("[data-scroll-stop]")) {
      if (!scrollsSideways(marked)) {
        marked.removeAttribute("tabindex");
        marked.removeAttribute("data-scroll-stop");
      }
    }
    for (const element of document.querySelectorAll("main *")) {
      if (element.hasAttribute("tabindex") || !scrollsSideways(element)) continue;
      if (element.querySelector(FOCUSABLE)) continue;
      element.setAttribute("tabindex", "0");
      element.setAttribute("data-scroll-stop", "");
    }
  }

  let resizeTimer = 0;
  document.addEventListener("DOMContentLoaded", markScrollableRegions);
  document.addEventListener("htmx:load", markScrollableRegions);
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(markScrollableRegions, 150);
  });
})();
