/* SKU stock history chart: closing on hand per day (line), units shipped (bars) and the latest
   demand forecast (dashed line). Data from <script type="application/json" id="stock-data">;
   ECharts is served locally from /static/vendor. */
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("stock-chart");
    var dataEl = document.getElementById("stock-data");
    if (!el || !dataEl || typeof echarts === "undefined") return;
    var d = JSON.parse(dataEl.textContent);
    var days = d.days.concat(d.forecast_days);
    var pad = function (values, before, after) {
      return new Array(before).fill(null).concat(values, new Array(after).fill(null));
    };
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.on("finished", function () { el.setAttribute("data-rendered", "true"); });
    chart.setOption({
      animation: false,
      color: ["#5b8ff9", "#d9363e", "#faad14"],
      tooltip: { trigger: "axis" },
      legend: { data: [d.labels.closing, d.labels.shipped, d.labels.forecast], top: 0 },
      grid: { left: 60, right: 50, top: 36, bottom: 56 },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
      xAxis: { type: "category", data: days },
      yAxis: [{ type: "value", name: d.labels.closing },
              { type: "value", name: d.labels.shipped, splitLine: { show: false } }],
      series: [
        { name: d.labels.closing, type: "line", step: "end", showSymbol: false,
          data: pad(d.closing, 0, d.forecast_days.length) },
        { name: d.labels.shipped, type: "bar", yAxisIndex: 1, itemStyle: { opacity: 0.6 },
          data: pad(d.shipped, 0, d.forecast_days.length) },
        { name: d.labels.forecast, type: "line", yAxisIndex: 1, showSymbol: false,
          lineStyle: { type: "dashed" }, data: pad(d.forecast, d.days.length, 0) }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
