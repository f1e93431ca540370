// Draws every dashboard chart: a <canvas data-chart="ID"> beside <script type="application/json"
// id="ID"> (Django's json_script) kept inside a <template>: htmx removes every <script> from
// swapped content when allowScriptTags is off, but never looks inside a template's content. Runs on load and after every htmx swap, so tiles that load
// on their own draw themselves; no inline script or style anywhere (strict CSP).
(function () {
  "use strict";
  // The colours are the stylesheet's (--chart-1 ... --chart-7, --chart-previous-*): colours
  // live in app.css's custom properties only, so a theme or a contrast fix reaches charts too.
  function cssColour(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function config(spec) {
    const palette = [1, 2, 3, 4, 5, 6, 7].map(function (n) { return cssColour("--chart-" + n); });
    const stacked = Boolean(spec.stacked);
    const datasets = spec.datasets.map(function (set, index) {
      const colour = palette[index % palette.length];
      const data = set.data.map(Number);
      if (spec.type === "doughnut") {
        return { label: set.label, data: data, backgroundColor: palette.slice(0, data.length) };
      }
      return {
        type: set.type, // a line over bars (the backlog over the flow), else the chart's
        label: set.label,
        data: data,
        borderColor: set.dashed ? cssColour("--chart-previous-line") : colour,
        backgroundColor: set.dashed ? cssColour("--chart-previous-fill") : colour,
        borderDash: set.dashed ? [5, 4] : [],
        pointRadius: 0,
        tension: 0.25,
      };
    });
    const options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: datasets.length > 1 || spec.type === "doughnut" } },
    };
    if (spec.type !== "doughnut") {
      options.indexAxis = spec.horizontal ? "y" : "x";
      options.scales = {
        x: { stacked: stacked, ticks: { maxTicksLimit: 8 } },
        y: { stacked: stacked, beginAtZero: true, ticks: { maxTicksLimit: 6 } },
      };
    }
    return { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function chartData(canvas) {
    const id = canvas.dataset.chart;
    const holder = canvas.closest("figure") && canvas.closest("figure").querySelector("template[data-chart-data]");
    return (holder && holder.content.getElementById(id)) || document.getElementById(id);
  }

  function draw(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      const source = chartData(canvas);
      if (!source) return;
      canvas.dataset.drawn = "yes";
      new window.Chart(canvas, config(JSON.parse(source.textContent)));
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // htmx:load fires on each piece of content htmx puts into the page (an outerHTML swap's
  // own events fire on the element it removed, which no longer reaches the document).
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
})();
