// The ideas board: drag a card to another column to change its status (drag_move.js). Dropping
// sets the card's own status <select> and fires "change", so the keyboard path (the select) and
// the mouse path post the same htmx form with the card's expected version.
(() => {
  "use strict";

  let refocus = null;

  window.dragMove({
    card: ".board-card[draggable=true]",
    zone: ".board-column",
    select: ".board-move select",
    valueOf: (column) => column.dataset.status,
    send: (select, card, column) => {
      column.querySelector(".board-cards").appendChild(card); // show it moved at once
      select.dispatchEvent(new Event("change", { bubbles: true }));
    },
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
