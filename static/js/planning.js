// The live planning room. The page polls the session (htmx, every second); an answer holds the
// room's fragments as out-of-band swaps, each with a digest (data-key) of its content. Here:
// - a fragment whose digest did not change is not swapped (focus and selections stay put);
// - a fragment holding text or choices the person has not sent is not replaced: the page says
//   the session moved on and keeps the draft until it is sent or discarded;
// - a fragment that sent a request still on its way is not replaced (see `sending`);
// - refused actions (400, 409: a late vote) are swapped like answers, to show the reason;
// - timers count down from the server's deadlines, corrected for the clock difference.
(() => {
  "use strict";

  const FULL_REFRESH_MS = 15000; // ask for everything now and then: presence, timers
  const pending = new Map(); // fragment id -> HTML held back to protect a draft
  let lastFull = Date.now();
  // Elements inside a fragment (an action's form or button) whose request is on its way. htmx
  // looks for an answer's out-of-band parts from the element that sent it: in a fragment the
  // poll replaced meanwhile, that element has left the page, the look-up finds none
  // (htmx:oobErrorNoTarget) and the answer, with its notice, is lost. So such a fragment waits
  // for the answer, which brings the whole room, and the next poll asks for everything.
  const sending = new Set();

  const room = () => document.querySelector("[data-room]");

  function isDirty(container) {
    for (const form of container.querySelectorAll("form[data-draft]")) {
      for (const el of form.elements) {
        if (el.type === "hidden" || el.type === "submit" || el.tagName === "BUTTON") continue;
        if (el.type === "radio" || el.type === "checkbox") {
          if (el.checked !== el.defaultChecked) return true;
        } else if (el.tagName === "SELECT") {
          // Without a `selected` attribute the first option is the default.
          const options = Array.from(el.options);
          const initial = Math.max(0, options.findIndex((option) => option.defaultSelected));
          if (el.selectedIndex !== initial) return true;
        } else if (el.value !== el.defaultValue) {
          return true;
        }
      }
    }
    return false;
  }

  function showMoved(show) {
    const notice = document.getElementById("room-moved");
    if (notice) notice.classList.toggle("hidden", !show);
  }

  function applyPending() {
    for (const [id, html] of pending) {
      const target = document.getElementById(id);
      if (target) htmx.swap(target, html, { swapStyle: "outerHTML" });
    }
    pending.clear();
    showMoved(false);
  }

  document.addEventListener("htmx:oobBeforeSwap", (event) => {
    const target = event.detail.target;
    if (!target || !target.classList.contains("room-part")) return;
    const incoming = event.detail.fragment instanceof Element
      ? event.detail.fragment
      : event.detail.fragment.firstElementChild;
    if (!incoming) return;
    if ([...sending].some((elt) => target.contains(elt))) {
      event.detail.shouldSwap = false;
      lastFull = 0;
      return;
    }
    if (incoming.dataset.key === target.dataset.key) {
      event.detail.shouldSwap = false;
      return;
    }
    if (isDirty(target)) {
      event.detail.shouldSwap = false;
      pending.set(target.id, incoming.outerHTML);
      showMoved(true);
    }
  });

  document.addEventListener("htmx:beforeSend", (event) => {
    if (event.detail.elt.closest(".room-part")) sending.add(event.detail.elt);
  });
  // Its answer (beforeOnLoad comes before the swap) or its failure (afterRequest) has come.
  for (const done of ["htmx:beforeOnLoad", "htmx:afterRequest"]) {
    document.addEventListener(done, (event) => sending.delete(event.detail.elt));
  }

  // A draft that was sent (or refused with a reason) no longer needs protecting.
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt instanceof Element ? event.detail.elt.closest("form[data-draft]") : null;
    if (form && pending.size) applyPending();
  });

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.closest("[data-discard-draft]")) {
      for (const form of document.querySelectorAll("[data-room] form[data-draft]")) form.reset();
      applyPending();
    }
  });

  // The poll sends the version the page shows (#room-version, replaced by every answer); now
  // and then it sends 0 to get everything, so presence and timers stay true even when nothing
  // else changed.
  document.addEventListener("htmx:configRequest", (event) => {
    if (!event.detail.elt.hasAttribute("data-poller")) return;
    const shown = document.getElementById("room-version");
    let version = shown ? shown.dataset.version : "0";
    if (Date.now() - lastFull > FULL_REFRESH_MS) {
      lastFull = Date.now();
      version = "0";
    }
    event.detail.path = `${event.detail.path.split("?")[0]}?v=${encodeURIComponent(version)}`;
  });

  function pad(n) { return String(n).padStart(2, "0"); }

  function tick() {
    for (const el of document.querySelectorAll("[data-deadline]")) {
      const deadline = Date.parse(el.dataset.deadline);
      const skew = Date.parse(el.dataset.now) - (Number(el.dataset.loadedAt) || Date.now());
      if (!el.dataset.loadedAt) el.dataset.loadedAt = String(Date.now());
      const left = Math.max(0, Math.round((deadline - (Date.now() + skew)) / 1000));
      el.textContent = left >= 60 ? `${Math.floor(left / 60)}:${pad(left % 60)}` : `${left} s`;
      el.classList.toggle("overdue", left === 0);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!room()) return;
    tick();
    setInterval(tick, 1000);
  });
})();
