// Console home: a small trend line under each figure, from the json_script block (no inline script).
// ECharts' "simple" build (line, bar, pie; canvas only): a third of the full build's script work.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var src = document.getElementById("console-trends");
    if (!src || !window.echarts) { return; }
    var data = JSON.parse(src.textContent);
    var red = getComputedStyle(document.documentElement).getPropertyValue("--yg-red").trim();
    var charts = [];
    document.querySelectorAll("[data-trend]").forEach(function (el) {
      var t = data[el.dataset.trend];
      if (!t) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        grid: { left: 0, right: 0, top: 4, bottom: 0 },
        xAxis: { type: "category", data: t.labels, show: false, boundaryGap: false },
        yAxis: { type: "value", show: false, min: 0 },
        series: [{ type: "line", data: t.values, smooth: true, symbol: "none",
                   lineStyle: { color: red, width: 2 }, areaStyle: { color: red, opacity: 0.08 } }]
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
