// The ideas board: drag a card to another column to change its status. Dropping sets the card's
// own status <select> and fires "change", so the keyboard path (the select) and the mouse path
// post the same htmx form with the card's expected version.
(() => {
  "use strict";

  let dragged = null;
  let refocus = null;

  document.addEventListener("dragstart", (event) => {
    const card = event.target instanceof Element ? event.target.closest(".board-card[draggable=true]") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.idea);
  });

  document.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    for (const column of document.querySelectorAll(".board-column.drop-target")) column.classList.remove("drop-target");
  });

  document.addEventListener("dragover", (event) => {
    const column = event.target instanceof Element ? event.target.closest(".board-column") : null;
    if (!column || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    for (const other of document.querySelectorAll(".board-column.drop-target")) {
      if (other !== column) other.classList.remove("drop-target");
    }
    column.classList.add("drop-target");
  });

  document.addEventListener("drop", (event) => {
    const column = event.target instanceof Element ? event.target.closest(".board-column") : null;
    if (!column || !dragged) return;
    event.preventDefault();
    const select = dragged.querySelector(".board-move select");
    if (select && select.value !== column.dataset.status) {
      select.value = column.dataset.status;
      column.querySelector(".board-cards").appendChild(dragged); // show it moved at once
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // Keep keyboard focus on the card that moved once the board is redrawn.
  document.addEventListener("change", (event) => {
    const card = event.target instanceof Element ? event.target.closest(".board-card") : null;
    if (card) refocus = card.id;
  });

  // A conflict (409) or a refused value (400) comes with the current state to show: app.js swaps
  // it, as every refused answer.

  document.addEventListener("htmx:afterSwap", () => {
    if (!refocus) return;
    const select = document.querySelector(`#${CSS.escape(refocus)} .board-move select`);
    if (select) select.focus();
    refocus = null;
  });
})();
