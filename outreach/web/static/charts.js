/* Draws the dashboard's charts with Apache ECharts (served from /static/vendor/, installed by
   `make web-deps`). The options come from the page (outreach.dashboard.charts) as JSON in
   <script type="application/json" class="chart-option">; a data item's `tip` is its hover
   text and its `link` the case list behind it. */
(function () {
  "use strict";
  function tip(params) {
    var data = params && params.data;
    if (data && typeof data === "object" && data.tip) { return echarts.format.encodeHTML(data.tip); }
    return echarts.format.encodeHTML((params.name || "") + "：" + params.value);
  }
  function draw(holder) {
    var source = holder.querySelector("script.chart-option");
    var box = holder.querySelector(".chart-box");
    if (!source || !box) { return; }
    var option = JSON.parse(source.textContent);
    option.tooltip = Object.assign({}, option.tooltip || {}, { formatter: tip });
    var chart = echarts.init(box, null, { renderer: "svg" });
    chart.setOption(option);
    chart.on("click", function (params) {
      var data = params && params.data;
      if (data && typeof data === "object" && data.link) { window.location.href = data.link; }
    });
    holder.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function start() {
    if (typeof echarts === "undefined") {
      Array.prototype.forEach.call(document.querySelectorAll(".echart .chart-box"), function (box) {
        box.textContent = "图表库未安装：请运行 make web-deps 后刷新页面。";
        box.className += " muted";
      });
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll(".echart"), draw);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
