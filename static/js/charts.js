// Draws every dashboard chart: a <canvas data-chart="ID"> beside <script type="application/json"
// id="ID"> (Django's json_script). Runs on load and after every htmx swap, so tiles that load
// on their own draw themselves; no inline script or style anywhere (strict CSP).
(function () {
  "use strict";
  const palette = ["#4f46e5", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#64748b"];

  function config(spec) {
    const stacked = Boolean(spec.stacked);
    const datasets = spec.datasets.map(function (set, index) {
      const colour = palette[index % palette.length];
      const data = set.data.map(Number);
      if (spec.type === "doughnut") {
        return { label: set.label, data: data, backgroundColor: palette.slice(0, data.length) };
      }
      return {
        label: set.label,
        data: data,
        borderColor: set.dashed ? "#94a3b8" : colour,
        backgroundColor: set.dashed ? "#cbd5e1" : colour,
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

  function draw(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      const source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      canvas.dataset.drawn = "yes";
      new window.Chart(canvas, config(JSON.parse(source.textContent)));
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target.parentNode || document); });
})();
