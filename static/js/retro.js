// The retro board's drag and drop. Every card also has a Move list (a plain form), which is
// the keyboard's way and works without this file; dropping a card picks the list's target and
// sends the same form, so both ways go through one endpoint. Keyboard extra: with a card
// focused, "m" opens its Move list.
(() => {
  "use strict";

  let dragged = null;

  const dropTarget = (el) => (el instanceof Element ? el.closest("[data-drop]") : null);

  document.addEventListener("dragstart", (event) => {
    const card = event.target instanceof Element ? event.target.closest("[data-card]") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.card);
  });

  document.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    for (const el of document.querySelectorAll(".drop-over")) el.classList.remove("drop-over");
    dragged = null;
  });

  document.addEventListener("dragover", (event) => {
    const target = dropTarget(event.target);
    if (!dragged || !target || target === dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    for (const el of document.querySelectorAll(".drop-over")) if (el !== target) el.classList.remove("drop-over");
    target.classList.add("drop-over");
  });

  document.addEventListener("drop", (event) => {
    const target = dropTarget(event.target);
    if (!dragged || !target || target === dragged) return;
    event.preventDefault();
    const form = dragged.querySelector("form[data-move-form]");
    const select = form ? form.querySelector("select[name=target]") : null;
    if (!select) return;
    const value = target.dataset.drop;
    if (![...select.options].some((option) => option.value === value)) return;
    select.value = value;
    form.requestSubmit();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "m" || event.ctrlKey || event.metaKey || event.altKey) return;
    const card = event.target instanceof Element ? event.target.closest("[data-card]") : null;
    if (!card || event.target !== card) return;
    const select = card.querySelector("select[name=target]");
    if (select) {
      event.preventDefault();
      select.focus();
    }
  });
})();
