// Small canvas charts drawn by hand: one or more series over time, with a light grid.

const COLORS = { completed: "#16a34a", failed: "#dc2626", rate: "#d97706" };

function fit(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(width * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, width, height };
}

function timeLabel(iso) {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

// series: [{name, values: number[]}]; labels: ISO times; unit: suffix for the axis.
export function lineChart(canvas, labels, series, unit = "", fixedMax = null) {
  const { ctx, width, height } = fit(canvas);
  const pad = { left: 40, right: 8, top: 8, bottom: 20 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = fixedMax ?? Math.ceil(Math.max(4, ...series.flatMap((s) => s.values)) / 4) * 4;
  ctx.clearRect(0, 0, width, height);
  ctx.font = "11px system-ui, sans-serif";
  ctx.strokeStyle = "#e5e7eb";
  ctx.fillStyle = "#6b7280";
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i += 1) {
    const y = pad.top + plotH - (plotH * i) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.left, y);
    ctx.lineTo(width - pad.right, y);
    ctx.stroke();
    ctx.fillText(`${Math.round((max * i) / 4)}${unit}`, 2, y + 4);
  }
  const n = Math.max(labels.length, 1);
  const x = (i) => pad.left + (n === 1 ? plotW / 2 : (plotW * i) / (n - 1));
  [0, Math.floor((n - 1) / 2), n - 1].forEach((i) => {
    if (labels[i]) ctx.fillText(timeLabel(labels[i]), Math.min(x(i) - 14, width - 34), height - 4);
  });
  series.forEach((s) => {
    ctx.strokeStyle = COLORS[s.name] || "#2563eb";
    ctx.lineWidth = 2;
    ctx.beginPath();
    s.values.forEach((v, i) => {
      const y = pad.top + plotH - (plotH * v) / max;
      if (i === 0) ctx.moveTo(x(i), y);
      else ctx.lineTo(x(i), y);
    });
    ctx.stroke();
  });
  let legendX = pad.left + 4;
  series.forEach((s) => {
    ctx.fillStyle = COLORS[s.name] || "#2563eb";
    ctx.fillRect(legendX, pad.top + 2, 10, 3);
    ctx.fillStyle = "#374151";
    ctx.fillText(s.name, legendX + 14, pad.top + 7);
    legendX += ctx.measureText(s.name).width + 30;
  });
}
