// The overview's filter form never sends a period that contradicts itself: choosing a preset
// empties the day boxes (days sent make the range custom), typing a day chooses "Custom".
// The server holds the same rule on its own (dashboards/filters.py).
(function () {
  "use strict";
  function wire() {
    const form = document.getElementById("dashboard-filters");
    if (!form || form.dataset.wired) return;
    form.dataset.wired = "1";
    const range = form.elements.namedItem("range");
    const days = [form.elements.namedItem("since"), form.elements.namedItem("until")];
    range.addEventListener("change", function () {
      if (range.value !== "custom") days.forEach(function (box) { box.value = ""; });
    });
    days.forEach(function (box) {
      ["input", "change"].forEach(function (type) {
        box.addEventListener(type, function () {
          if (box.value) range.value = "custom";
        });
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();
