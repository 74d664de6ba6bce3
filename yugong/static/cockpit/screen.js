// The cockpit's big screen: four ECharts charts drawn from the json_script block (no inline JS).
(function () {
  "use strict";
  var RED = "#c8161d";
  function bar(el, names, values, horizontal) {
    var chart = window.echarts.init(el);
    var cat = { type: "category", data: names };
    var val = { type: "value", minInterval: 1 };
    chart.setOption({
      grid: { left: horizontal ? 120 : 40, right: 10, top: 10, bottom: 30 },
      tooltip: { trigger: "axis" },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? Object.assign({ inverse: true }, cat) : val,
      series: [{ type: "bar", data: values, itemStyle: { color: RED } }]
    });
    return chart;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var src = document.getElementById("cockpit-data");
    if (!src || !window.echarts) { return; }
    var data = JSON.parse(src.textContent);
    var charts = [];
    var t = document.getElementById("chart-trend");
    if (t) {
      var c = window.echarts.init(t);
      c.setOption({
        grid: { left: 40, right: 10, top: 10, bottom: 30 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.trend.months },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "line", name: data.trend.name, data: data.trend.values, itemStyle: { color: RED } }]
      });
      charts.push(c);
    }
    var r = document.getElementById("chart-ranking");
    if (r) { charts.push(bar(r, data.ranking.units, data.ranking.values, true)); }
    var s = document.getElementById("chart-stations");
    if (s) { charts.push(bar(s, data.stations.districts, data.stations.values, false)); }
    var p = document.getElementById("chart-rates");
    if (p) {
      charts.push(bar(p, data.rates.map(function (x) { return x.name; }), data.rates.map(function (x) { return x.rate; }), true));
    }
    window.addEventListener("resize", function () { charts.forEach(function (ch) { ch.resize(); }); });
  });
})();
