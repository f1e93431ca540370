// Drag and drop of cards onto drop zones, shared by the retro board (retro.js) and the ideas
// board (ideas.js). Every card carries its own move control, a <select> in a form: that is the
// keyboard's way and works without script. Dropping a card on a zone only sets the card's select
// to the zone's value and hands it to the board's `send`, so both ways post the same form to one
// endpoint. Keyboard extra: with a card itself focused, "m" focuses its move select.
//
// window.dragMove({ card, zone, select, valueOf, send }):
//   card    selector of the draggable cards
//   zone    selector of the drop zones (a card may be one too; a card is never dropped on itself
//           nor on the zone it is already in)
//   select  selector, inside a card, of its move <select>
//   valueOf (zone) => the <option> value the zone stands for; a drop whose value the card's
//           select has no option for does nothing
//   send    (select, card, zone) => posts the select's form, called after the value is set
"use strict";

window.dragMove = ({ card: cardSelector, zone: zoneSelector, select: selectSelector, valueOf, send }) => {
  let dragged = null;

  const closest = (el, selector) => (el instanceof Element ? el.closest(selector) : null);
  const clearOver = (keep) => {
    for (const el of document.querySelectorAll(".drop-over")) if (el !== keep) el.classList.remove("drop-over");
  };
  // The zone under the pointer that the dragged card can go to, or null.
  const dropZone = (event) => {
    const zone = closest(event.target, zoneSelector);
    return dragged && zone && !zone.contains(dragged) ? zone : null;
  };

  document.addEventListener("dragstart", (event) => {
    const card = closest(event.target, cardSelector);
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });

  document.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    clearOver(null);
    dragged = null;
  });

  document.addEventListener("dragover", (event) => {
    const zone = dropZone(event);
    if (!zone) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clearOver(zone);
    zone.classList.add("drop-over");
  });

  document.addEventListener("drop", (event) => {
    const zone = dropZone(event);
    if (!zone) return;
    event.preventDefault();
    const select = dragged.querySelector(selectSelector);
    const value = valueOf(zone);
    if (!select || ![...select.options].some((option) => option.value === value)) return;
    select.value = value;
    send(select, dragged, zone);
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "m" || event.ctrlKey || event.metaKey || event.altKey) return;
    const card = closest(event.target, cardSelector);
    if (!card || event.target !== card) return;
    const select = card.querySelector(selectSelector);
    if (select) {
      event.preventDefault();
      select.focus();
    }
  });
};
