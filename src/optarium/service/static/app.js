/* The optarium dashboard: studies, a study's plots and trials, runs, a run's verification, jobs.
   Every URL is relative, so the page works under a reverse proxy's prefix. */
"use strict";
const { esc, fmt } = Charts;
const TOKEN_KEY = "optarium.token";
const POLL_MS = 2000;
const main = document.getElementById("main");
let poller = null;
let followers = []; // the AbortControllers of the page's open event streams
let generation = 0; // counts navigations; an answer that arrives after one is dropped
class Stale extends Error {}

function stopPolling() {
  if (poller) clearInterval(poller);
  followers.forEach((controller) => controller.abort());
  poller = null;
  followers = [];
  document.getElementById("live").hidden = true;
}
function startPolling(fn) { stopPolling(); poller = setInterval(fn, POLL_MS); document.getElementById("live").hidden = false; }

/* Follow a server-sent event stream (fetch, so the bearer token goes along; EventSource cannot send it):
   onEvent(name, data) for each event; opened again when the server ends it with a timeout, until the page changes. */
function follow(path, onEvent) {
  const controller = new AbortController();
  followers.push(controller);
  document.getElementById("live").hidden = false;
  const events = async () => {
    const headers = {};
    const token = localStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`api/${path}`, { headers, signal: controller.signal });
    if (response.status === 401) { askToken((await response.json()).error); return false; }
    if (!response.ok) return false;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "", last = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return last === "timeout"; // a job's stream ends when the job does
      buffer += decoder.decode(value, { stream: true });
      for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let name = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        last = name;
        if (name === "gone") return false;
        if (name !== "timeout") onEvent(name, data ? JSON.parse(data) : null);
      }
    }
  };
  (async () => {
    while (!controller.signal.aborted) {
      try { if (!(await events())) return; } catch (_) { if (controller.signal.aborted) return; }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS)); // the server ended the stream or went away
    }
  })();
}

async function api(path, options = {}) {
  const asked = generation;
  const answer = await request(path, options);
  if (asked !== generation) throw new Stale("the page changed");
  return answer;
}

async function request(path, options) {
  const headers = Object.assign({}, options.headers || {});
  const token = localStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`api/${path}`, Object.assign({}, options, { headers }));
  if (response.status === 401) { askToken((await response.json()).error); throw new Error("a token is needed"); }
  if (!response.ok) {
    let message = `${response.status}`;
    try { message = (await response.json()).error; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return (response.headers.get("content-type") || "").includes("json") ? response.json() : response.text();
}

function askToken(message) {
  stopPolling();
  document.getElementById("token-message").textContent = message || "This server needs a token.";
  document.getElementById("token-box").hidden = false;
}
document.getElementById("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  localStorage.setItem(TOKEN_KEY, document.getElementById("token-input").value.trim());
  document.getElementById("token-box").hidden = true;
  route();
});

function download(text, filename) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  link.download = filename;
  document.body.appendChild(link); link.click(); link.remove();
}

function toCsv(columns, rows) {
  const cell = (v) => { const s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v); return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
  return [columns.map((c) => cell(c.label)).join(",")].concat(rows.map((r) => columns.map((c) => cell(c.get(r))).join(","))).join("\n") + "\n";
}

const when = (v) => (v ? String(v).replace("T", " ").replace(/\.\d+/, "").replace(/Z|\+00:00$/, "") : "");

/* A sortable table: columns [{label, get, num, html}] */
function table(id, columns, rows, state) {
  state = state || { key: null, dir: 1 };
  const sorted = rows.slice();
  if (state.key !== null) {
    const get = columns[state.key].get;
    sorted.sort((a, b) => { const x = get(a), y = get(b); if (x === y) return 0; if (x === null || x === undefined) return 1; if (y === null || y === undefined) return -1; return (x < y ? -1 : 1) * state.dir; });
  }
  const head = columns.map((c, i) => `<th data-col="${i}" class="${state.key === i ? (state.dir > 0 ? "sorted-asc" : "sorted-desc") : ""}">${esc(c.label)}</th>`).join("");
  const body = sorted.map((r) => `<tr>${columns.map((c) => `<td class="${c.num ? "num" : ""}">${c.html ? c.html(r) : esc(c.num ? fmtCell(c.get(r)) : c.get(r) ?? "")}</td>`).join("")}</tr>`).join("");
  return `<div class="table-wrap"><table id="${id}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}
const fmtCell = (v) => (v === null || v === undefined ? "" : typeof v === "number" ? fmt(v) : String(v));
// a study's best for a table: its best value, or with several objectives its Pareto front and hypervolume
const hypervolumeShown = (s) => (s.hypervolume === null ? "beyond the largest float" : fmt(s.hypervolume));
const bestShown = (s) => (s.directions.length > 1 ? `front of ${s.front_size}${s.front_size ? `, hypervolume ${hypervolumeShown(s)}` : ""}` : s.best_value);


function sortable(container, id, columns, rows, state) {
  container.innerHTML = table(id, columns, rows, state);
  container.querySelectorAll("th").forEach((th) => th.addEventListener("click", () => {
    const col = +th.dataset.col;
    state.dir = state.key === col ? -state.dir : 1; state.key = col;
    sortable(container, id, columns, rows, state);
  }));
}

function fail(error) { if (error instanceof Stale) return; main.innerHTML = `<p class="error" id="error">${esc(error.message || error)}</p>`; }

// studies ----------------------------------------------------------------------------------
async function studiesPage() {
  main.innerHTML = `<h1>Studies</h1><div class="toolbar"><button id="export-studies">Export CSV</button></div><div id="studies"></div>`;
  const state = { key: null, dir: 1 };
  let rows = [];
  const columns = [
    { label: "name", get: (s) => s.name, html: (s) => `<a href="#/study/${encodeURIComponent(s.name)}">${esc(s.name)}</a>` },
    { label: "direction", get: (s) => s.directions.join(", ") },
    { label: "sampler", get: (s) => s.sampler },
    { label: "trials", get: (s) => s.n_trials, num: true },
    { label: "complete", get: (s) => s.trials.complete, num: true },
    { label: "pending", get: (s) => s.trials.pending, num: true },
    { label: "best", get: bestShown, num: true },
    { label: "last activity", get: (s) => when(s.last_activity) },
  ];
  let shown = null;
  const refresh = async () => {
    const text = JSON.stringify((await api("studies")).studies);
    const box = document.getElementById("studies");
    if (!box || text === shown) return;
    shown = text; rows = JSON.parse(text);
    if (!rows.length) { box.innerHTML = `<p class="muted" id="no-studies">No studies in this store yet.</p>`; return; }
    sortable(box, "studies-table", columns, rows, state);
  };
  document.getElementById("export-studies").addEventListener("click", () => download(toCsv(columns, rows), "studies.csv"));
  await refresh();
  startPolling(() => refresh().catch(() => {}));
}

async function studyPage(name) {
  const path = `studies/${encodeURIComponent(name)}`;
  main.innerHTML = `<h1>Study <span id="study-name">${esc(name)}</span></h1><div class="cards" id="summary"></div>
    <div id="rank-panel" hidden><h2>Rank the candidates</h2><p class="muted">Drag the candidates into order, best at the top, then submit the ranking.</p>
    <ol id="candidates" class="candidates"></ol><div class="toolbar"><button id="rank-submit">Submit ranking</button><button id="rank-ask">Ask 4 candidates</button><span id="rank-message" class="muted"></span></div></div>
    <div class="grid"><div class="panel" id="history-chart"></div><div class="panel" id="importance-chart"></div></div>
    <h2>Slice</h2><div class="grid" id="slice-charts"></div>
    <h2>Contour</h2><div class="toolbar"><label>x <select id="contour-x"></select></label><label>y <select id="contour-y"></select></label></div><div class="panel" id="contour-chart"></div>
    <h2>Parallel coordinates</h2><div class="panel" id="parallel-chart"></div><p class="muted" id="sample-note"></p>
    <h2>Trials</h2><div class="toolbar"><label>state <select id="trial-state"><option value="">all</option><option>complete</option><option>pending</option><option>failed</option></select></label>
    <button id="export-trials">Export CSV</button><button id="trials-prev">Previous</button><button id="trials-next">Next</button><span class="muted" id="trial-count"></span></div><div id="trials"></div>`;
  // number and value sort on the server (across pages); other columns sort the page shown
  const view = { offset: 0, limit: 200, sort: "number", order: "asc", local: { key: null, dir: 1 } };
  let seen = "";
  let summary = null;
  const loadTrials = async () => {
    const q = new URLSearchParams({ limit: view.limit, offset: view.offset, sort: view.sort, order: view.order });
    const state = document.getElementById("trial-state").value;
    if (state) q.set("state", state);
    drawTrials(summary, await api(`${path}/trials?${q}`), view, loadTrials);
  };
  const render = async () => {
    summary = await api(path);
    const stamp = JSON.stringify([summary.trials, summary.last_activity]);
    if (stamp === seen) return;
    seen = stamp;
    drawSummary(summary);
    if (summary.feedback === "ranking") await drawCandidates(path, summary, () => { seen = ""; return render(); });
    const [, analysis] = await Promise.all([loadTrials(), api(`${path}/analysis`)]);
    drawCharts(summary, analysis);
  };
  document.getElementById("trial-state").addEventListener("change", () => { view.offset = 0; loadTrials().catch(fail); });
  document.getElementById("trials-prev").addEventListener("click", () => { view.offset = Math.max(0, view.offset - view.limit); loadTrials().catch(fail); });
  document.getElementById("trials-next").addEventListener("click", () => { view.offset += view.limit; loadTrials().catch(fail); });
  document.getElementById("export-trials").addEventListener("click", async () => download(await api(`${path}/trials.csv`), `${name}-trials.csv`));
  await render();
  follow(`${path}/events`, () => render().catch(() => {})); // each ask and tell, as the server sees it
}

function drawSummary(s) {
  const card = (label, value, id) => `<div class="card"><div class="label">${esc(label)}</div><div class="value" id="${id}">${esc(value)}</div></div>`;
  document.getElementById("summary").innerHTML = card("trials", s.n_trials, "n-trials") + card("complete", s.trials.complete, "n-complete") +
    card("pending", s.trials.pending, "n-pending") + card("failed", s.trials.failed, "n-failed") +
    (s.directions.length > 1 ? card("Pareto front", `${s.front_size} trials`, "pareto-size") + card("hypervolume", hypervolumeShown(s), "hypervolume")
      : card("best value", s.best_value === null || s.best_value === undefined ? "–" : fmt(s.best_value), "best-value")) +
    card("direction", s.directions.join(", "), "direction") + card("sampler", s.sampler, "sampler") + card("last activity", when(s.last_activity), "last-activity");
}

function drawCharts(s, analysis) {
  const first = (t) => (t.values ? t.values[0] : t.value);
  const done = analysis.sample.filter((t) => first(t) !== null && first(t) !== undefined).map((t) => Object.assign({}, t, { value: first(t) }));
  const values = done.map((t) => t.value);
  document.getElementById("sample-note").textContent = done.length < analysis.n_complete ? `Slice and parallel plots show ${done.length} of ${analysis.n_complete} complete trials: the best tenth and the rest evenly spaced.` : "";
  const lo = Math.min(...values), hi = Math.max(...values);
  const badness = (v) => (hi === lo ? 0 : s.directions[0] === "minimize" ? (v - lo) / (hi - lo) : (hi - v) / (hi - lo));
  if (s.directions.length > 1) { drawPareto(s, analysis.sample, analysis); } else document.getElementById("history-chart").innerHTML = Charts.scatter(
    analysis.history.map((h) => ({ x: h.number, y: h.value, title: `trial ${h.number}: ${h.value}` })),
    { title: "Optimization history", xlabel: "trial", line: analysis.history.filter((h) => h.best !== null).map((h) => ({ x: h.number, y: h.best })) });
  const importance = Object.entries(analysis.importance).sort((a, b) => b[1] - a[1]).map(([label, value]) => ({ label, value }));
  document.getElementById("importance-chart").innerHTML = Charts.bars(importance, "Parameter importance (share of variance)");
  const space = s.space;
  document.getElementById("slice-charts").innerHTML = Object.keys(space).map((p) => `<div class="panel slice" data-param="${esc(p)}">${Charts.scatter(
    done.map((t) => ({ x: t.params[p], y: t.value, color: Charts.colorFor(badness(t.value)), title: `trial ${t.number}` })),
    { title: `value by ${p}`, xlabel: p, categories: space[p].type === "categorical" ? space[p].choices : null })}</div>`).join("");
  const axes = Object.keys(space).map((p) => ({ name: p, values: done.map((t) => t.params[p]), categories: space[p].type === "categorical" ? space[p].choices : null }));
  axes.push({ name: "value", values });
  document.getElementById("parallel-chart").innerHTML = Charts.parallel(axes, values.map(badness), "Parameters and value of each complete trial");
  drawContour(s, done, badness);
}

async function drawCandidates(path, s, reload) {
  document.getElementById("rank-panel").hidden = false;
  const pending = (await api(`${path}/trials?state=pending&limit=50`)).trials;
  const list = document.getElementById("candidates");
  list.innerHTML = pending.map((t) => `<li class="candidate" data-number="${t.number}">trial ${t.number}: ${esc(Object.entries(t.params).map(([k, v]) => `${k} = ${fmt(v)}`).join(", "))}</li>`).join("");
  document.getElementById("rank-submit").disabled = pending.length < 2;
  document.getElementById("rank-ask").disabled = pending.length > 0;
  document.getElementById("rank-submit").onclick = async () => {
    const ranking = [...list.querySelectorAll("li")].map((li) => +li.dataset.number);
    try { await api(`${path}/rank`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ranking }) }); document.getElementById("rank-message").textContent = `ranking of ${ranking.length} told`; await reload(); }
    catch (error) { document.getElementById("rank-message").textContent = error.message; }
  };
  document.getElementById("rank-ask").onclick = async () => {
    try { await api(`${path}/ask`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ n: 4 }) }); await reload(); }
    catch (error) { document.getElementById("rank-message").textContent = error.message; }
  };
  let dragged = null;
  list.onpointerdown = (e) => { const item = e.target.closest("li"); if (!item) return; dragged = item; item.classList.add("dragging"); list.setPointerCapture(e.pointerId); e.preventDefault(); };
  list.onpointermove = (e) => {
    if (!dragged) return;
    const over = document.elementFromPoint(e.clientX, e.clientY)?.closest("li");
    if (!over || over === dragged || over.parentNode !== list) return;
    const box = over.getBoundingClientRect();
    list.insertBefore(dragged, e.clientY > box.top + box.height / 2 ? over.nextSibling : over);
  };
  list.onpointerup = () => { if (dragged) dragged.classList.remove("dragging"); dragged = null; };
}

function drawContour(s, done, badness) {
  const numeric = Object.keys(s.space).filter((p) => s.space[p].type !== "categorical");
  const [sx, sy] = [document.getElementById("contour-x"), document.getElementById("contour-y")];
  const box = document.getElementById("contour-chart");
  if (numeric.length < 2) { box.innerHTML = `<p class="muted">A contour needs two numeric parameters.</p>`; return; }
  if (!sx.options.length) {
    for (const select of [sx, sy]) select.innerHTML = numeric.map((p) => `<option>${esc(p)}</option>`).join("");
    sy.selectedIndex = 1;
  }
  const draw = () => {
    box.innerHTML = Charts.heatmap(done.map((t) => ({ x: +t.params[sx.value], y: +t.params[sy.value], t: badness(t.value) })),
      { title: `Mean value by ${sx.value} and ${sy.value} (blue: best)`, xlabel: sx.value, ylabel: sy.value });
  };
  sx.onchange = draw; sy.onchange = draw;
  draw();
}

function drawPareto(s, trials, analysis) {
  const front = new Set(analysis.pareto);
  const done = trials.filter((t) => Array.isArray(t.values) && t.values.length >= 2);  // the sample holds complete trials only
  const points = done.map((t) => ({ x: t.values[0], y: t.values[1], color: front.has(t.number) ? "#b53a2f" : "#9aa7b5", title: `trial ${t.number}${front.has(t.number) ? " (Pareto front)" : ""}` }));
  const line = done.filter((t) => front.has(t.number)).map((t) => ({ x: t.values[0], y: t.values[1] })).sort((a, b) => a.x - b.x);
  document.getElementById("history-chart").innerHTML = Charts.scatter(points, { title: `Pareto front (objective 1: ${s.directions[0]}, objective 2: ${s.directions[1]})`, xlabel: "objective 1", line });
}

function drawTrials(s, page, view, reload) {
  const trials = page.trials;
  const columns = [{ label: "number", get: (t) => t.number, num: true, server: "number" }, { label: "state", get: (t) => t.state }];
  if (s.directions.length > 1) s.directions.forEach((d, i) => columns.push({ label: `value ${i + 1}`, get: (t) => (t.values ? t.values[i] : null), num: true }));
  else columns.push({ label: "value", get: (t) => t.value, num: true, server: "value" });
  Object.keys(s.space).forEach((p) => columns.push({ label: p, get: (t) => t.params[p], num: s.space[p].type !== "categorical" }));
  columns.push({ label: "sampler", get: (t) => t.sampler }, { label: "finished", get: (t) => when(t.finished_at) });
  document.getElementById("trial-count").textContent = `${page.total} trials; showing ${page.total ? page.offset + 1 : 0}–${page.offset + trials.length}`;
  const box = document.getElementById("trials");
  const local = view.local;
  const serverKey = columns.findIndex((c) => c.server === view.sort);
  box.innerHTML = table("trials-table", columns, trials, local.key !== null ? local : { key: null, dir: 1 });
  const th = box.querySelectorAll("th");
  if (local.key === null && th[serverKey]) th[serverKey].classList.add(view.order === "asc" ? "sorted-asc" : "sorted-desc");
  th.forEach((cell) => cell.addEventListener("click", () => {
    const col = columns[+cell.dataset.col];
    if (col.server) {
      view.order = view.sort === col.server && view.order === "asc" && local.key === null ? "desc" : "asc";
      view.sort = col.server; view.offset = 0; local.key = null;
      reload().catch(fail);
    } else {
      local.dir = local.key === +cell.dataset.col ? -local.dir : 1; local.key = +cell.dataset.col;
      drawTrials(s, page, view, reload);
    }
  }));
}

async function comparePage(names) {
  const all = (await api("studies")).studies.map((st) => st.name);
  const [a, b] = names.length >= 2 ? names : [all[0] || "", all[1] || all[0] || ""];
  const reference = names.length === 3 ? names[2] : "";  // #/compare/A/B/4.5,-0.5: a reference point the user gave
  const options = (chosen) => all.map((n) => `<option ${n === chosen ? "selected" : ""}>${esc(n)}</option>`).join("");
  main.innerHTML = `<h1>Compare studies</h1><div class="toolbar"><select id="compare-a">${options(a)}</select> vs <select id="compare-b">${options(b)}</select>
    <input id="compare-reference" placeholder="reference point, e.g. 1,100" title="Several objectives: the hypervolume's reference point, one number per objective, comma-separated (empty: inferred)" value="${esc(reference)}"></div>
    <div class="panel" id="compare-chart"></div><p class="muted" id="compare-note"></p><div id="compare-table"></div>`;
  const go = () => {
    const given = document.getElementById("compare-reference").value.trim();
    location.hash = `#/compare/${encodeURIComponent(document.getElementById("compare-a").value)}/${encodeURIComponent(document.getElementById("compare-b").value)}`
      + (given ? `/${encodeURIComponent(given)}` : "");
  };
  document.getElementById("compare-a").addEventListener("change", go);
  document.getElementById("compare-b").addEventListener("change", go);
  document.getElementById("compare-reference").addEventListener("change", go);
  if (!a || !b) return;
  const colors = ["#2f6db5", "#e67e22"];
  const draw = async () => {
    const studies = await Promise.all([a, b].map((n) => api(`studies/${encodeURIComponent(n)}`)));
    const chart = document.getElementById("compare-chart"), note = document.getElementById("compare-note");
    const several = studies.some((st) => st.directions.length > 1);
    document.getElementById("compare-reference").hidden = !several;  // one objective: no hypervolume to measure
    if (several) {
      // hypervolumes are comparable only for the same objectives, measured against one reference point
      let compared;
      try {
        compared = await api(`compare?study=${encodeURIComponent(a)}&study=${encodeURIComponent(b)}`
          + (reference ? `&reference=${encodeURIComponent(reference)}` : ""));
      } catch (error) {  // a reference point the server refuses: its one line, and the studies' table below
        if (error instanceof Stale || !reference) throw error;
        chart.innerHTML = `<p class="error" id="compare-refused">${esc(error.message || error)}</p>`;
        note.textContent = "";
        compared = null;
      }
      if (compared === null) { /* refused above */ } else if (!compared.comparable) {
        chart.innerHTML = `<p class="error" id="compare-refused">${esc(compared.reason)}</p>`;
        note.textContent = "";
      } else {
        chart.innerHTML = Charts.lines(compared.hypervolume.map((steps, k) => ({ name: `${compared.studies[k].name} (hypervolume)`, color: colors[k],
          line: steps.filter((h) => h.hypervolume !== null).map((h) => ({ x: h.number, y: h.hypervolume })) })),
        { title: "Hypervolume so far by trial (both against one reference point)", xlabel: "trial" });
        note.textContent = compared.reference === null ? "No complete trials yet: no reference point."
          : `Both studies are measured against the reference point (${compared.reference.map((v) => (v === null ? "beyond the largest float" : fmt(v))).join(", ")}), `
            + (reference ? "as given." : "inferred from the trials of both as one study's is: each objective's worst feasible value plus a tenth of its range.");
      }
    } else {
      const analyses = await Promise.all([a, b].map((n) => api(`studies/${encodeURIComponent(n)}/analysis`)));
      chart.innerHTML = Charts.lines(analyses.map((an, k) => ({ name: an.name, color: colors[k],
        line: an.history.filter((h) => h.best !== null).map((h) => ({ x: h.number, y: h.best })) })), { title: "Best value so far by trial", xlabel: "trial" });
      note.textContent = "";
    }
    document.getElementById("compare-table").innerHTML = table("compare-studies", [
      { label: "study", get: (st) => st.name }, { label: "direction", get: (st) => st.directions.join(", ") }, { label: "sampler", get: (st) => st.sampler },
      { label: "trials", get: (st) => st.n_trials, num: true }, { label: "best", get: bestShown, num: true }], studies);
  };
  await draw();
  startPolling(() => draw().catch(() => {}));
}

// runs -------------------------------------------------------------------------------------
async function runsPage() {
  main.innerHTML = `<h1>Runs</h1><form class="toolbar" id="run-filters">
    <input name="kind" placeholder="kind"><input name="status" placeholder="status"><input name="backend" placeholder="solver">
    <select name="verified"><option value="">verified or not</option><option value="true">verified</option><option value="false">not verified</option></select>
    <label>since <input name="since" type="date"></label><button type="submit">Filter</button><button type="button" id="export-runs">Export CSV</button>
    <span class="muted" id="run-count"></span></form><div id="runs"></div><div class="toolbar"><button id="runs-prev">Newer</button><button id="runs-next">Older</button></div>`;
  const page = { offset: 0, limit: 50 };
  const state = { key: null, dir: 1 };
  const query = () => { const form = new FormData(document.getElementById("run-filters")); const q = new URLSearchParams(); for (const [k, v] of form) if (v) q.set(k, v); return q; };
  const columns = [
    { label: "id", get: (r) => r.id, num: true, html: (r) => `<a href="#/run/${r.id}">${r.id}</a>` },
    { label: "created", get: (r) => when(r.created_at) }, { label: "kind", get: (r) => r.kind }, { label: "name", get: (r) => r.name },
    { label: "solver", get: (r) => r.solver }, { label: "status", get: (r) => r.status },
    { label: "verified", get: (r) => r.verified, html: (r) => (r.verified ? `<span class="ok">yes</span>` : `<span class="bad">no</span>`) },
    { label: "objective", get: (r) => r.objective, num: true }, { label: "gap", get: (r) => r.gap, num: true }, { label: "seconds", get: (r) => r.seconds, num: true },
  ];
  let shownRuns = null;
  const refresh = async () => {
    const q = query(); q.set("limit", page.limit); q.set("offset", page.offset);
    const found = await api(`runs?${q}`);
    const text = JSON.stringify(found);
    if (text === shownRuns) return;
    shownRuns = text;
    document.getElementById("run-count").textContent = `${found.total} runs; showing ${found.total ? page.offset + 1 : 0}–${page.offset + found.runs.length}`;
    sortable(document.getElementById("runs"), "runs-table", columns, found.runs, state);
  };
  document.getElementById("run-filters").addEventListener("submit", (e) => { e.preventDefault(); page.offset = 0; refresh().catch(fail); });
  document.getElementById("runs-prev").addEventListener("click", () => { page.offset = Math.max(0, page.offset - page.limit); refresh().catch(fail); });
  document.getElementById("runs-next").addEventListener("click", () => { page.offset += page.limit; refresh().catch(fail); });
  document.getElementById("export-runs").addEventListener("click", async () => download(await api(`runs.csv?${query()}`), "runs.csv"));
  await refresh();
  startPolling(() => refresh().catch(() => {}));
}

async function runPage(id) {
  const run = await api(`runs/${encodeURIComponent(id)}`);
  const v = run.verification || {};
  const card = (label, value, klass) => `<div class="card"><div class="label">${esc(label)}</div><div class="value ${klass || ""}">${esc(value)}</div></div>`;
  const violations = v.violations || [];
  main.innerHTML = `<h1>Run <span id="run-id">${esc(run.id)}</span> <span class="muted">${esc(run.name || "")}</span></h1>
    <div class="cards">${card("status", run.status)}${card("verified", run.verified ? "yes" : "no", run.verified ? "ok" : "bad")}${card("objective", fmtCell(run.objective))}
    ${card("bound", fmtCell(run.bound))}${card("gap", fmtCell(run.gap))}${card("max violation", fmtCell(run.max_violation))}${card("solver", `${run.solver} ${run.solver_version}`)}${card("seconds", fmtCell(run.seconds))}</div>
    <h2>Verification</h2><div id="verification">${violations.length ? table("violations-table", Object.keys(violations[0]).map((k) => ({ label: k, get: (r) => r[k], num: typeof violations[0][k] === "number" })), violations)
      : `<p>${run.verified ? "Every check passed" : "Not verified"}${run.message ? `: ${esc(run.message)}` : ""}.</p>`}<pre>${esc(JSON.stringify(v, null, 2))}</pre></div>
    ${routeSection(run)}${ganttSection(run)}
    <h2>Plan</h2><pre id="plan">${esc(JSON.stringify(run.plan, null, 2))}</pre>
    <h2>Timings</h2><div id="timings">${table("timings-table", [{ label: "step", get: (r) => r[0] }, { label: "seconds", get: (r) => r[1], num: true }], Object.entries(run.timings || {}))}</div>
    <p class="muted">source ${esc(run.source)} · fingerprint ${esc(run.fingerprint)} · recorded ${esc(when(run.created_at))}</p>`;
}

function routeSection(run) {
  const extra = run.extra || {};
  const coords = extra.instance && extra.instance.coords;
  if (run.kind !== "routing" || !Array.isArray(extra.routes) || !Array.isArray(coords)) return "";
  return `<h2>Routes</h2><div class="panel" id="route-map" style="max-width: 680px">${Charts.routeMap(coords, extra.routes, `${extra.routes.length} routes, cost ${fmt(run.objective)}`)}</div>`;
}

function ganttSection(run) {
  const extra = run.extra || {};
  const { machines, durations, starts } = extra;
  if (run.kind !== "jobshop" || ![machines, durations, starts].every(Array.isArray) || !machines.length) return "";
  return `<h2>Schedule</h2><div class="panel" id="gantt">${Charts.gantt(machines, durations, starts, `${machines.length} jobs on ${Math.max(...machines.flat()) + 1} machines, makespan ${fmt(run.objective)}`)}</div>`;
}

// jobs -------------------------------------------------------------------------------------
async function jobsPage() {
  main.innerHTML = `<h1>Solve jobs</h1><form class="toolbar" id="job-form"><input type="file" id="job-file" name="file" accept=".mps,.lp,.gz" required>
    <label>solver <input name="solver" id="job-solver" value="auto" size="8"></label><label>time limit (s) <input name="time_limit" type="number" min="1" step="any" size="6"></label>
    <button type="submit" id="job-submit">Submit</button><span id="job-message" class="muted"></span></form>
    <form class="toolbar" id="formulate-form"><textarea id="formulate-text" name="text" rows="3" cols="70" placeholder="A problem in words: the server's LLM writes the model, it is solved and verified" required></textarea>
    <button type="submit" id="formulate-submit">Formulate</button><span id="formulate-message" class="muted"></span></form><div id="jobs"></div>`;
  const state = { key: null, dir: 1 };
  const columns = [
    { label: "id", get: (j) => j.id, num: true }, { label: "kind", get: (j) => j.kind }, { label: "file", get: (j) => j.filename }, { label: "state", get: (j) => j.state },
    { label: "submitted", get: (j) => when(j.created_at) }, { label: "finished", get: (j) => when(j.finished_at) },
    { label: "progress", get: (j) => (j.state === "running" && j.progress ? `${fmt(j.progress.elapsed)} s, incumbent ${fmtCell(j.progress.incumbent)}, bound ${fmtCell(j.progress.bound)}` : "") },
    { label: "run", get: (j) => j.run_id, html: (j) => (j.run_id ? `<a href="#/run/${j.run_id}">run ${j.run_id}</a>` : "") },
    { label: "error", get: (j) => j.error },
  ];
  let shownJobs = null;
  const refresh = async () => {
    const jobs = (await api("jobs")).jobs, text = JSON.stringify(jobs);
    if (text !== shownJobs) { shownJobs = text; sortable(document.getElementById("jobs"), "jobs-table", columns, jobs, state); }
  };
  document.getElementById("job-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    if (!form.get("time_limit")) form.delete("time_limit");
    try { const job = await api("jobs", { method: "POST", body: form }); document.getElementById("job-message").textContent = `job ${job.id} queued`; await refresh(); followJob(job); }
    catch (error) { document.getElementById("job-message").textContent = error.message; }
  });
  document.getElementById("formulate-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("formulate-text").value;
    try {
      const job = await api("jobs/formulate", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text }) });
      document.getElementById("formulate-message").textContent = `job ${job.id} queued`; await refresh(); followJob(job);
    } catch (error) { document.getElementById("formulate-message").textContent = error.message; }
  });
  // a job submitted here redraws the table as soon as it changes; the others every 2 seconds
  const followJob = (job) => follow(`jobs/${job.id}/events`, () => refresh().catch(() => {}));
  await refresh();
  startPolling(() => refresh().catch(() => {}));
}

// routing ----------------------------------------------------------------------------------
async function route() {
  generation += 1;
  stopPolling();
  const [page, ...rest] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const arg = rest.join("/");
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.id === `nav-${page === "study" ? "studies" : page === "run" ? "runs" : page || "studies"}`));
  try {
    if (page === "study" && arg) await studyPage(arg);
    else if (page === "runs") await runsPage();
    else if (page === "compare") await comparePage(rest.filter(Boolean));
    else if (page === "run" && arg) await runPage(arg);
    else if (page === "jobs") await jobsPage();
    else await studiesPage();
  } catch (error) { if (!(error instanceof Stale)) { stopPolling(); fail(error); } }
}
window.addEventListener("hashchange", route);
route();
