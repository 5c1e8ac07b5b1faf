/* Cockpit chart: GMV (line, left axis) and UV (bars, right axis) over the trend.
   Reads its data from <script type="application/json" id="trend-data">; ECharts is served
   locally from /static/vendor. Re-draws after an htmx swap of #main. */
(function () {
  "use strict";
  var chart = null;

  function formatYuan(v) {
    if (Math.abs(v) >= 1e8) return "¥" + (v / 1e8).toFixed(2) + "亿";
    if (Math.abs(v) >= 1e4) return "¥" + (v / 1e4).toFixed(1) + "万";
    return "¥" + v.toLocaleString("zh-CN");
  }

  function draw() {
    var el = document.getElementById("trend-chart");
    var dataEl = document.getElementById("trend-data");
    if (chart) { chart.dispose(); chart = null; }
    if (!el || !dataEl || typeof echarts === "undefined") return;
    var data = JSON.parse(dataEl.textContent);
    chart = echarts.init(el, null, { renderer: "canvas" });
    chart.on("finished", function () { el.setAttribute("data-rendered", "true"); });
    chart.setOption({
      animation: false,
      color: ["#d9363e", "#5b8ff9"],
      tooltip: { trigger: "axis" },
      legend: { data: [data.labels.gmv, data.labels.uv], top: 0 },
      grid: { left: 70, right: 60, top: 36, bottom: 56 },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
      xAxis: { type: "category", data: data.buckets, axisTick: { alignWithLabel: true } },
      yAxis: [
        { type: "value", name: data.labels.gmv, axisLabel: { formatter: formatYuan } },
        { type: "value", name: data.labels.uv, splitLine: { show: false } }
      ],
      series: [
        { name: data.labels.gmv, type: "line", yAxisIndex: 0, showSymbol: false, smooth: true,
          data: data.gmv.map(Number) },
        { name: data.labels.uv, type: "bar", yAxisIndex: 1, data: data.uv, itemStyle: { opacity: 0.55 } }
      ]
    });
  }

  function syncFilterBar() {
    var form = document.getElementById("filters");
    var granularity = document.getElementById("f-granularity");
    if (!form || !granularity) return;
    var update = function () { form.classList.toggle("custom", granularity.value === "custom"); };
    granularity.addEventListener("change", update);
    update();
  }

  function init() { syncFilterBar(); draw(); }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
  window.addEventListener("resize", function () { if (chart) chart.resize(); });
})();
