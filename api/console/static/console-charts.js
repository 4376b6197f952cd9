// The dashboard's charts (api/console/dashboard.py): each drawn by Chart.js (chart.umd.min.js, MIT) from the
// JSON data block its container names. Readable in grey scale: the series differ in lightness and in
// pattern (solid, hatched; solid and dashed lines with round and triangular points), every bar carries its
// value, and the target is a labelled line. The figures are also in the table under each chart.
(() => {
  if (!window.Chart) return;
  const lang = document.documentElement.lang || "vi";
  const number = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  const percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
  const COLOURS = ["#1f4e79", "#d97706", "#6b7280"]; // dark, light, middle: apart in grey too
  const POINTS = ["circle", "triangle", "rect"];
  const DASHES = [[], [6, 4], [2, 3]];
  const INK = "#1f2937";

  function hatched(colour) {
    const tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    const pen = tile.getContext("2d");
    pen.fillStyle = "#ffffff";
    pen.fillRect(0, 0, 8, 8);
    pen.strokeStyle = colour;
    pen.lineWidth = 3;
    pen.beginPath();
    pen.moveTo(-2, 10);
    pen.lineTo(10, -2);
    pen.stroke();
    return pen.createPattern(tile, "repeat");
  }

  // Values at the end of the bars, and the target as a line across the value axis, with its label.
  const labelled = {
    id: "labelled",
    afterDatasetsDraw(chart, _args, options) {
      const { ctx, chartArea } = chart;
      ctx.save();
      ctx.fillStyle = INK;
      ctx.font = "12px system-ui, sans-serif";
      if (chart.config.type === "bar") {
        chart.data.datasets.forEach((dataset, i) => {
          chart.getDatasetMeta(i).data.forEach((bar, j) => {
            const value = dataset.data[j];
            if (value === null || value === undefined) return;
            const text = options.format(value);
            if (options.horizontal) {
              ctx.textBaseline = "middle";
              ctx.fillText(text, bar.x + 4, bar.y); // in the padding at the right when the bar is full
            } else {
              ctx.textAlign = "center";
              ctx.fillText(text, bar.x, bar.y - 4);
            }
          });
        });
      }
      if (options.target !== null && options.target !== undefined) {
        const scale = chart.scales[options.horizontal ? "x" : "y"];
        const at = scale.getPixelForValue(options.target);
        ctx.strokeStyle = "#b00020";
        ctx.lineWidth = 2;
        ctx.setLineDash([8, 4]);
        ctx.beginPath();
        if (options.horizontal) {
          ctx.moveTo(at, chartArea.top);
          ctx.lineTo(at, chartArea.bottom);
        } else {
          ctx.moveTo(chartArea.left, at);
          ctx.lineTo(chartArea.right, at);
        }
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = "#b00020";
        ctx.textAlign = "right";
        ctx.textBaseline = "bottom";
        ctx.fillText(`▼ ${options.targetLabel}`, options.horizontal ? Math.max(at, chartArea.left + 80) : chartArea.right, options.horizontal ? chartArea.top : at - 2);
      }
      ctx.restore();
    },
  };

  document.querySelectorAll("[data-chart]").forEach((box) => {
    const spec = JSON.parse(document.getElementById(box.dataset.chart).textContent);
    const format = (value) => (spec.percent ? percent.format(value) : number.format(value));
    // Room for the rows of a horizontal chart (CSSOM, which the CSP allows; no style attribute).
    box.style.height = spec.horizontal ? `${Math.max(8, 3 + Number(box.dataset.rows) * 2.2)}rem` : "18rem";
    const bar = spec.kind === "bar";
    const datasets = spec.datasets.map((dataset, i) => ({
      ...dataset,
      backgroundColor: bar ? (i % 2 ? hatched(COLOURS[i]) : COLOURS[i]) : COLOURS[i],
      borderColor: COLOURS[i],
      borderWidth: bar ? 1 : 3,
      borderDash: bar ? [] : DASHES[i],
      pointStyle: POINTS[i],
      pointRadius: bar ? 0 : 5,
      spanGaps: false,
    }));
    const valueAxis = {
      beginAtZero: true,
      ...(spec.percent ? { max: 1 } : {}),
      ticks: { color: INK, callback: (value) => format(value), ...(spec.percent ? {} : { precision: 0 }) },
      grid: { color: "#d1d5db" },
    };
    const labelAxis = {
      ticks: {
        color: INK,
        autoSkip: !spec.horizontal,
        callback(value) {
          const text = this.getLabelForValue(value);
          return text.length > 28 ? `${text.slice(0, 27)}…` : text; // the table holds the whole name
        },
      },
      grid: { display: false },
    };
    new window.Chart(box.querySelector("canvas"), {
      type: bar ? "bar" : "line",
      data: { labels: spec.labels, datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        layout: { padding: { right: spec.horizontal ? 48 : 8, top: spec.target ? 20 : 8 } },
        scales: spec.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          legend: {
            display: datasets.length > 1,
            labels: { color: INK, usePointStyle: true },
          },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${format(item.raw)}` } },
          labelled: { format, horizontal: spec.horizontal, target: spec.target, targetLabel: spec.targetLabel },
        },
      },
      plugins: [labelled],
    });
  });
})();
