// Renders ECharts options to static SVG with the same library the dashboard uses in the browser
// (server-side rendering, no DOM). Reads [{option, width, height}, ...] as JSON on stdin and
// writes the SVG strings as a JSON list on stdout. Used by outreach.reports.render.
"use strict";
const echarts = require("echarts");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const charts = JSON.parse(input);
  const svgs = charts.map(({ option, width, height }) => {
    const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
    chart.setOption(Object.assign({}, option, { animation: false }));
    const svg = chart.renderToSVGString();
    chart.dispose();
    return svg;
  });
  process.stdout.write(JSON.stringify(svgs));
});
