/* Small SVG charts for the optarium dashboard: scatter (with a step line), bars, parallel coordinates. */
"use strict";
const Charts = (() => {
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const fmt = (v) => (typeof v === "number" ? (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : +v.toPrecision(4)) : String(v));

  function scale(values, lo, hi) {
    let min = Math.min(...values), max = Math.max(...values);
    if (!isFinite(min)) { min = 0; max = 1; }
    if (min === max) { min -= 0.5; max += 0.5; }
    const pad = (max - min) * 0.05; min -= pad; max += pad;
    const f = (v) => lo + ((v - min) / (max - min)) * (hi - lo);
    f.ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => min + t * (max - min));
    return f;
  }

  function categoryScale(categories, lo, hi) {
    const step = (hi - lo) / Math.max(categories.length, 1);
    const index = new Map(categories.map((c, i) => [String(c), i]));
    const f = (v) => lo + step * (index.get(String(v)) + 0.5);
    f.categories = categories;
    return f;
  }

  function colorFor(t) { // 0 (best) .. 1 (worst): blue to orange
    const a = [47, 109, 181], b = [230, 126, 34];
    const c = a.map((x, i) => Math.round(x + (b[i] - x) * Math.min(Math.max(t, 0), 1)));
    return `rgb(${c.join(",")})`;
  }

  function frame(width, height, title, body) {
    return `<svg viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}">` +
      `<text class="chart-title" x="8" y="14">${esc(title)}</text>${body}</svg>`;
  }

  /* points: [{x, y, color, title}]; opts: {title, xlabel, ylabel, line: [{x, y}], categories} */
  function scatter(points, opts) {
    const W = opts.width || 460, H = opts.height || 260, L = 52, R = 12, T = 24, B = 34;
    if (!points.length) return frame(W, H, opts.title, `<text class="tick" x="${W / 2 - 40}" y="${H / 2}">no complete trials yet</text>`);
    const x = opts.categories ? categoryScale(opts.categories, L, W - R) : scale(points.map((p) => p.x), L, W - R);
    const y = scale(points.map((p) => p.y).concat((opts.line || []).map((p) => p.y)), H - B, T);
    let body = "";
    for (const t of y.ticks) body += `<line class="grid-line" x1="${L}" x2="${W - R}" y1="${y(t)}" y2="${y(t)}"/><text class="tick" x="4" y="${y(t) + 3}">${esc(fmt(t))}</text>`;
    const xt = opts.categories ? opts.categories : x.ticks;
    for (const t of xt) body += `<text class="tick" text-anchor="middle" x="${x(t)}" y="${H - B + 14}">${esc(fmt(t))}</text>`;
    body += `<line class="axis" x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}"/><line class="axis" x1="${L}" x2="${L}" y1="${T}" y2="${H - B}"/>`;
    body += `<text class="tick" text-anchor="middle" x="${(L + W - R) / 2}" y="${H - 4}">${esc(opts.xlabel || "")}</text>`;
    for (const p of points) body += `<circle class="point" cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3" fill="${p.color || "#2f6db5"}" fill-opacity="0.75"><title>${esc(p.title || "")}</title></circle>`;
    if (opts.line && opts.line.length) {
      let d = "";
      opts.line.forEach((p, i) => { d += (i ? `H${x(p.x).toFixed(1)}V` : `M${x(p.x).toFixed(1)},`) + y(p.y).toFixed(1); });
      body += `<path class="best-line" d="${d}" fill="none" stroke="#b53a2f" stroke-width="1.5"/>`;
    }
    return frame(W, H, opts.title, body);
  }

  /* items: [{label, value}] with value in [0, 1] */
  function bars(items, title) {
    const W = 460, row = 22, T = 24, L = 120, H = T + row * Math.max(items.length, 1) + 8;
    let body = "";
    items.forEach((item, i) => {
      const y = T + i * row, w = Math.max(0, item.value) * (W - L - 60);
      body += `<text class="tick" x="4" y="${y + 14}">${esc(item.label)}</text><rect class="bar" x="${L}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 8}" fill="#2f6db5"/>` +
        `<text class="tick" x="${L + w + 6}" y="${y + 14}">${(100 * item.value).toFixed(1)}%</text>`;
    });
    return frame(W, H, title, body);
  }

  /* axes: [{name, values, categories?}] (one value per line); color: per line 0..1 */
  function parallel(axes, color, title) {
    const W = Math.max(960, axes.length * 180), H = 320, T = 34, B = 30, L = 50, R = 60;
    if (!axes.length || !axes[0].values.length) return frame(W, H, title, `<text class="tick" x="${W / 2 - 40}" y="${H / 2}">no complete trials yet</text>`);
    const step = axes.length > 1 ? (W - L - R) / (axes.length - 1) : 0;
    const scales = axes.map((a) => (a.categories ? categoryScale(a.categories, H - B, T) : scale(a.values, H - B, T)));
    let body = "";
    const n = axes[0].values.length;
    for (let i = 0; i < n; i++) {
      const pts = axes.map((a, k) => `${(L + k * step).toFixed(1)},${scales[k](a.values[i]).toFixed(1)}`).join(" ");
      body += `<polyline class="line" points="${pts}" fill="none" stroke="${colorFor(color[i])}" stroke-opacity="0.55"/>`;
    }
    axes.forEach((a, k) => {
      const xk = L + k * step;
      body += `<line class="axis" x1="${xk}" x2="${xk}" y1="${T}" y2="${H - B}"/><text class="tick" text-anchor="middle" x="${xk}" y="${H - 10}">${esc(a.name)}</text>`;
      const ticks = a.categories ? a.categories : [scales[k].ticks[1], scales[k].ticks[3]];
      for (const t of ticks) body += `<text class="tick" x="${xk + 3}" y="${scales[k](t) + 3}">${esc(fmt(t))}</text>`;
    });
    return frame(W, H, title, body);
  }

  /* points: [{x, y, t}] with t in [0, 1] (0 best); the mean t of each cell of a grid of up to 20 x 20 */
  function heatmap(points, opts) {
    const W = opts.width || 460, H = opts.height || 300, L = 52, R = 12, T = 24, B = 34;
    const N = Math.max(4, Math.min(20, Math.round(Math.sqrt(points.length / 2))));
    if (!points.length) return frame(W, H, opts.title, `<text class="tick" x="${W / 2 - 40}" y="${H / 2}">no complete trials yet</text>`);
    const x = scale(points.map((p) => p.x), L, W - R), y = scale(points.map((p) => p.y), H - B, T);
    const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const sum = new Map();
    for (const p of points) {
      const i = Math.min(N - 1, Math.floor(((p.x - x0) / (x1 - x0 || 1)) * N)), j = Math.min(N - 1, Math.floor(((p.y - y0) / (y1 - y0 || 1)) * N));
      const cell = sum.get(`${i},${j}`) || [0, 0]; cell[0] += p.t; cell[1] += 1; sum.set(`${i},${j}`, cell);
    }
    let body = "";
    for (const [key, [total, count]] of sum) {
      const [i, j] = key.split(",").map(Number);
      const xa = x(x0 + ((x1 - x0) * i) / N), xb = x(x0 + ((x1 - x0) * (i + 1)) / N), ya = y(y0 + ((y1 - y0) * (j + 1)) / N), yb = y(y0 + ((y1 - y0) * j) / N);
      body += `<rect class="cell" x="${xa.toFixed(1)}" y="${ya.toFixed(1)}" width="${Math.max(1, xb - xa).toFixed(1)}" height="${Math.max(1, yb - ya).toFixed(1)}" fill="${colorFor(total / count)}"><title>${count} trials</title></rect>`;
    }
    for (const t of y.ticks) body += `<text class="tick" x="4" y="${y(t) + 3}">${esc(fmt(t))}</text>`;
    for (const t of x.ticks) body += `<text class="tick" text-anchor="middle" x="${x(t)}" y="${H - B + 14}">${esc(fmt(t))}</text>`;
    body += `<line class="axis" x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}"/><line class="axis" x1="${L}" x2="${L}" y1="${T}" y2="${H - B}"/>`;
    body += `<text class="tick" text-anchor="middle" x="${(L + W - R) / 2}" y="${H - 4}">${esc(opts.xlabel)}</text><text class="tick" x="${L + 4}" y="${T + 10}">${esc(opts.ylabel)} ↑</text>`;
    return frame(W, H, opts.title, body);
  }

  /* series: [{name, color, line: [{x, y}]}] step lines on one chart */
  function lines(series, opts) {
    const W = opts.width || 920, H = opts.height || 320, L = 60, R = 140, T = 24, B = 34;
    const all = series.flatMap((s) => s.line);
    if (!all.length) return frame(W, H, opts.title, `<text class="tick" x="${W / 2 - 40}" y="${H / 2}">no complete trials yet</text>`);
    const x = scale(all.map((p) => p.x), L, W - R), y = scale(all.map((p) => p.y), H - B, T);
    let body = "";
    for (const t of y.ticks) body += `<line class="grid-line" x1="${L}" x2="${W - R}" y1="${y(t)}" y2="${y(t)}"/><text class="tick" x="4" y="${y(t) + 3}">${esc(fmt(t))}</text>`;
    for (const t of x.ticks) body += `<text class="tick" text-anchor="middle" x="${x(t)}" y="${H - B + 14}">${esc(fmt(t))}</text>`;
    body += `<line class="axis" x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}"/><text class="tick" text-anchor="middle" x="${(L + W - R) / 2}" y="${H - 4}">${esc(opts.xlabel)}</text>`;
    series.forEach((s, k) => {
      let d = "";
      s.line.forEach((p, i) => { d += (i ? `H${x(p.x).toFixed(1)}V` : `M${x(p.x).toFixed(1)},`) + y(p.y).toFixed(1); });
      body += `<path class="series" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/><text class="tick" x="${W - R + 8}" y="${T + 14 + 16 * k}" style="fill: ${s.color}">■ ${esc(s.name)}</text>`;
    });
    return frame(W, H, opts.title, body);
  }

  /* coords: [[x, y]] with the depot first; routes: lists of client indices into coords */
  function routeMap(coords, routes, title) {
    const W = 640, H = 520, P = 24, T = 24;
    const x = scale(coords.map((c) => c[0]), P, W - P), y = scale(coords.map((c) => c[1]), H - P, T + 10);
    const palette = ["#2f6db5", "#e67e22", "#2f8a4f", "#b53a2f", "#8e44ad", "#16a085", "#d35400", "#7f8c8d", "#c0392b", "#2c3e50"];
    let body = "";
    routes.forEach((route, k) => {
      const stops = [0, ...route, 0].map((i) => `${x(coords[i][0]).toFixed(1)},${y(coords[i][1]).toFixed(1)}`).join(" ");
      body += `<polyline class="route" points="${stops}" fill="none" stroke="${palette[k % palette.length]}" stroke-width="1.8"><title>route ${k + 1}: ${route.length} stops</title></polyline>`;
    });
    coords.slice(1).forEach((c, i) => { body += `<circle class="client" cx="${x(c[0]).toFixed(1)}" cy="${y(c[1]).toFixed(1)}" r="2.5" fill="#1d2530"><title>client ${i + 1}</title></circle>`; });
    body += `<rect class="depot" x="${(x(coords[0][0]) - 5).toFixed(1)}" y="${(y(coords[0][1]) - 5).toFixed(1)}" width="10" height="10" fill="#b53a2f"><title>depot</title></rect>`;
    return frame(W, H, title, body);
  }

  /* A job shop's schedule: one row per machine, one bar per operation from its start for its duration,
     coloured by job. machines[j][k], durations[j][k], starts[j][k] for job j's k-th operation. */
  function gantt(machines, durations, starts, title) {
    const count = Math.max(0, ...machines.flat()) + 1;
    const end = Math.max(1, ...starts.flatMap((row, j) => row.map((s, k) => s + durations[j][k])));
    const W = 900, L = 44, R = 16, T = 26, B = 30, row = Math.max(12, Math.min(28, 360 / count)), H = T + count * row + B;
    const x = (t) => L + (t / end) * (W - L - R);
    const palette = ["#2f6db5", "#e67e22", "#2f8a4f", "#b53a2f", "#8e44ad", "#16a085", "#d35400", "#7f8c8d", "#c0392b", "#2c3e50"];
    let body = "";
    for (let m = 0; m < count; m += 1) body += `<text class="tick" x="4" y="${(T + (m + 0.5) * row + 4).toFixed(1)}">M${m}</text>`;
    [0, 0.25, 0.5, 0.75, 1].forEach((f) => {
      const t = Math.round(f * end);
      body += `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${T}" y2="${T + count * row}" stroke="#dde3ea"/><text class="tick" x="${(x(t) - 8).toFixed(1)}" y="${H - 12}">${t}</text>`;
    });
    machines.forEach((ops, j) => ops.forEach((m, k) => {
      const s = starts[j][k], d = durations[j][k];
      body += `<rect class="operation" data-job="${j}" data-machine="${m}" data-start="${s}" data-duration="${d}" x="${x(s).toFixed(1)}" y="${(T + m * row + 1).toFixed(1)}" ` +
        `width="${Math.max(0.5, x(s + d) - x(s)).toFixed(1)}" height="${(row - 2).toFixed(1)}" fill="${palette[j % palette.length]}" stroke="#fff" stroke-width="0.5">` +
        `<title>job ${j}, operation ${k + 1} on machine ${m}: ${s} to ${s + d}</title></rect>`;
    }));
    return frame(W, H, title, body);
  }

  return { scatter, bars, parallel, heatmap, lines, routeMap, gantt, colorFor, fmt, esc };
})();
