// The retro board's drag and drop (drag_move.js): a card dropped on another card, a group or a
// column picks that target in the card's Move list and sends the Move form, the keyboard's way,
// so both ways go through one endpoint. With a card focused, "m" opens its Move list.
(() => {
  "use strict";

  window.dragMove({
    card: "[data-card]",
    zone: "[data-drop]",
    select: "form[data-move-form] select[name=target]",
    valueOf: (zone) => zone.dataset.drop,
    send: (select) => select.form.requestSubmit(),
  });
})();
