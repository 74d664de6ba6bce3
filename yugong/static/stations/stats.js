// Visit statistics chart (console station page), from the json_script block.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("visit-chart");
    var src = document.getElementById("visit-stats");
    if (!el || !src || !window.echarts) { return; }
    var data = JSON.parse(src.textContent);
    var chart = window.echarts.init(el);
    chart.setOption({
      grid: { left: 30, right: 10, top: 10, bottom: 20 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.days },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", name: el.dataset.seriesName, data: data.counts, itemStyle: { color: "#c8161d" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
