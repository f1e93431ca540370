// The command palette: Ctrl/Cmd-K (or the ⌕ button) opens it on any page; typing asks the
// server (htmx, productops/palette.py) for items, ideas, accounts, tools and pages the role may
// open; ↑/↓ choose, Enter opens, Esc closes (the dialog's own). Works while typing in a field.
(() => {
  "use strict";

  const dialog = () => document.getElementById("palette");
  const input = () => document.getElementById("palette-q");
  const hits = () => [...document.querySelectorAll("#palette-results [role=option]")];

  function choose(index) {
    const all = hits();
    const field = input();
    if (!field) return;
    all.forEach((hit, i) => hit.setAttribute("aria-selected", String(i === index)));
    const chosen = all[index];
    if (chosen) {
      field.setAttribute("aria-activedescendant", chosen.id);
      chosen.scrollIntoView({ block: "nearest" });
    } else {
      field.removeAttribute("aria-activedescendant");
    }
  }

  function chosenIndex() {
    return hits().findIndex((hit) => hit.getAttribute("aria-selected") === "true");
  }

  function open() {
    const box = dialog();
    if (!box || box.open) return;
    for (const other of document.querySelectorAll("dialog[open]")) other.close();
    box.showModal();
    input().select();
  }

  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
      if (!dialog()) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      if (dialog().open) dialog().close();
      else open();
      return;
    }
    if (event.target !== input()) return;
    if (event.key === "Escape") {
      // A search field would take the first Escape to clear itself; here it closes at once.
      event.preventDefault();
      dialog().close();
      return;
    }
    const count = hits().length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!count) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      choose((chosenIndex() + step + count) % count);
    } else if (event.key === "Enter") {
      const chosen = hits()[Math.max(0, chosenIndex())];
      if (chosen) {
        event.preventDefault();
        window.location.assign(chosen.href);
      }
    }
  }, true);

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.closest("[data-open-palette]")) open();
    // A click on the backdrop (the dialog itself, outside its content) closes it.
    if (target && target === dialog()) dialog().close();
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target && event.detail.target.id === "palette-results") choose(0);
  });
})();
