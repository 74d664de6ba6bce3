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
  // Stations per district on Chongqing's district map (offline GeoJSON registered with ECharts),
  // coloured by count; a click drills down (the district's unit, or the stations behind the figure).
  // Without the map file (or fetch) the same figures draw as bars.
  function stationMap(el, st, charts) {
    var values = {};
    st.districts.forEach(function (d, i) { values[d] = st.values[i]; });
    if (!el.dataset.geo || !window.fetch) { charts.push(bar(el, st.districts, st.values, false)); return; }
    window.fetch(el.dataset.geo, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      window.echarts.registerMap("chongqing", geo);
      var chart = window.echarts.init(el);
      var rows = geo.features.map(function (f) {
        var name = f.properties.name;
        return { name: name, value: values[name] || 0 };
      });
      var max = Math.max.apply(null, rows.map(function (r) { return r.value; }).concat([1]));
      chart.setOption({
        tooltip: { trigger: "item", formatter: "{b}：{c}" },
        visualMap: { min: 0, max: max, left: 0, bottom: 0, itemHeight: 80, calculable: false, inRange: { color: ["#fdeceb", RED] }, textStyle: { fontSize: 10 } },
        series: [{
          type: "map", map: "chongqing", roam: true, data: rows,
          label: { show: false }, emphasis: { label: { show: true } },
          itemStyle: { borderColor: "#ffffff", borderWidth: 0.5, areaColor: "#f5f6f8" }
        }]
      });
      chart.on("click", function (p) {
        var url = (st.links || {})[p.name];
        if (url) { window.location.href = url; }
      });
      el.dataset.ready = "1";
      charts.push(chart);
    }).catch(function () { charts.push(bar(el, st.districts, st.values, false)); });
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
    if (s) { stationMap(s, data.stations, charts); }
    var p = document.getElementById("chart-rates");
    if (p) {
      charts.push(bar(p, data.rates.map(function (x) { return x.name; }), data.rates.map(function (x) { return x.rate; }), true));
    }
    window.addEventListener("resize", function () { charts.forEach(function (ch) { ch.resize(); }); });
  });
})();
