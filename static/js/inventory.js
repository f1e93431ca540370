// Tool inventory: keep the "Export CSV" link in step with the filters htmx applies, so the file
// holds exactly the rows on screen. Delegated from document: htmx may replace the elements.
(() => {
  "use strict";

  function syncExportLink(form) {
    const link = document.querySelector(form.dataset.exportLink);
    if (!link) return;
    const params = new URLSearchParams(new FormData(form));
    for (const [key, value] of [...params.entries()]) {
      if (value === "") params.delete(key);
    }
    const base = link.getAttribute("href").split("?")[0];
    link.setAttribute("href", params.toString() ? `${base}?${params}` : base);
  }

  document.addEventListener("change", (event) => {
    const form = event.target instanceof Element ? event.target.closest("form[data-export-link]") : null;
    if (form) syncExportLink(form);
  });
  document.addEventListener("input", (event) => {
    const form = event.target instanceof Element ? event.target.closest("form[data-export-link]") : null;
    if (form) syncExportLink(form);
  });
})();
