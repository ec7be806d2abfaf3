// The admin dashboard: sign-in, periodic figures, and live job updates over the WebSocket.
import { lineChart } from "./charts.js";
import {
  jobRow, renderCounts, renderDeadLetters, renderFailures, renderIssues, renderJob, renderQueues,
  renderRecommendations, renderSites, renderTimeline,
} from "./views.js";

const TOKEN_KEY = "seojobs.token";
const OVERVIEW_EVERY_MS = 3000;
const CHART_EVERY_MS = 10000;
const RECENT_JOBS = 25;
const RECONNECT_MS = 1000;

const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem(TOKEN_KEY), ws: null, cursor: null, seq: new Map(), timers: [], jobId: null, catalogue: null };

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, options = {}) {
  const resp = await fetch(path, { ...options, headers: { Authorization: `Bearer ${state.token}`, ...(options.headers || {}) } });
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new ApiError(resp.status, body.error || resp.statusText);
  return body;
}

function signOut(message = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.timers.forEach(clearInterval);
  state.timers = [];
  if (state.ws) { state.ws.onclose = null; state.ws.close(); state.ws = null; }
  $("app").hidden = true; $("nav").hidden = true; $("logout").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  setLive(false);
}

async function signIn(token) {
  state.token = token;
  try {
    await api("/api/dashboard/overview");
  } catch (err) {
    signOut(err.status === 403 ? "This token is not an administrator's: the dashboard is for admins only."
      : err.status === 401 ? "This token is not valid." : `Sign-in failed: ${err.message}`);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $("login").hidden = true; $("app").hidden = false; $("nav").hidden = false; $("logout").hidden = false;
  connectLive();
  await Promise.all([refreshOverview(), refreshCharts(), loadRecentJobs()]);
  state.timers.push(setInterval(refreshOverview, OVERVIEW_EVERY_MS), setInterval(refreshCharts, CHART_EVERY_MS));
  route();
}

function setLive(on) {
  $("live-state").textContent = on ? "live" : "offline";
  $("live-state").className = `pill ${on ? "on" : "off"}`;
}

async function guarded(work) {
  try { await work(); } catch (err) {
    if (err.status === 401 || err.status === 403) signOut("Your session ended: sign in again.");
    else console.warn("dashboard:", err.message);
  }
}

const refreshOverview = () => guarded(async () => {
  const [data, fails] = await Promise.all([api("/api/dashboard/overview"), api("/api/dashboard/failures?limit=8")]);
  renderQueues($("queues").tBodies[0], data.queues);
  $("kafka-state").textContent = data.kafka === "ok" ? "" : "(Kafka unavailable)";
  renderCounts($("counts"), data.stats, data.outboxBacklog);
  renderFailures($("failures").tBodies[0], fails.failures);
});

const refreshCharts = () => guarded(async () => {
  const data = await api("/api/dashboard/throughput?buckets=30&bucketSeconds=60");
  const labels = data.series.map((b) => b.t);
  lineChart($("throughput-chart"), labels, [
    { name: "completed", values: data.series.map((b) => b.completed) },
    { name: "failed", values: data.series.map((b) => b.failed) }]);
  lineChart($("failure-chart"), labels, [{ name: "rate", values: data.series.map((b) => {
    const done = b.completed + b.failed;
    return done ? Math.round((100 * b.failed) / done) : 0;
  }) }], "%", 100);
});

const loadRecentJobs = () => guarded(async () => {
  const data = await api(`/api/jobs?limit=${RECENT_JOBS}`);
  $("jobs").tBodies[0].replaceChildren(...data.jobs.map(jobRow));
});

function showJob(job) {
  const tbody = $("jobs").tBodies[0];
  const row = jobRow(job);
  const existing = tbody.querySelector(`tr[data-job-id="${job.id}"]`);
  if (existing) existing.replaceWith(row);
  else {
    tbody.prepend(row);
    while (tbody.rows.length > RECENT_JOBS) tbody.deleteRow(-1);
  }
  if (state.jobId === job.id) renderJob(job);
  if (["COMPLETED", "FAILED"].includes(job.status) && !state.chartSoon) {
    state.chartSoon = setTimeout(() => { state.chartSoon = null; refreshCharts(); }, 1000);
  }
}

function connectLive() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/api/ws`);
  state.ws = ws;
  ws.onopen = () => ws.send(JSON.stringify({ token: state.token, since: state.cursor }));
  ws.onmessage = (msg) => {
    const data = JSON.parse(msg.data);
    if (data.type === "hello") setLive(true);
    if (data.type !== "job") return;
    state.cursor = Math.max(state.cursor || 0, data.cursor);
    if ((state.seq.get(data.job.id) ?? -1) > data.seq) return; // an older version, resent after a resume
    state.seq.set(data.job.id, data.seq);
    showJob(data.job);
  };
  ws.onclose = (event) => {
    setLive(false);
    if (event.code === 4401) { signOut("Your session ended: sign in again."); return; }
    if (state.token && state.ws === ws) setTimeout(connectLive, RECONNECT_MS);
  };
}

const openJob = (id) => guarded(async () => {
  state.jobId = id;
  const data = await api(`/api/dashboard/jobs/${encodeURIComponent(id)}/timeline`);
  renderJob(data.job);
  renderTimeline($("timeline"), data.events, data.truncated);
});

const openSites = (siteId) => guarded(async () => {
  const data = await api("/api/dashboard/sites");
  renderSites($("sites").tBodies[0], data.sites);
  $("site-detail").hidden = !siteId;
  if (!siteId) return;
  const site = data.sites.find((s) => s.id === siteId);
  $("site-name").textContent = site ? site.name : siteId;
  state.catalogue = state.catalogue || await api("/api/dashboard/rules");
  const [issues, recs] = await Promise.all([api(`/api/sites/${siteId}/issues?limit=500`),
    api(`/api/sites/${siteId}/recommendations`)]);
  renderIssues($("issues"), issues.issues, state.catalogue);
  renderRecommendations($("recommendations"), recs.analysis);
});

async function redrive(letter, button) {
  button.disabled = true;
  button.textContent = "Redriving...";
  try {
    const data = await api(`/api/admin/dead-letters/${encodeURIComponent(letter.id)}/redrive`, { method: "POST" });
    button.textContent = "Redriven";
    $("dlq-note").textContent = `Job ${data.jobId} was sent back to its queue.`;
  } catch (err) {
    button.disabled = false;
    button.textContent = "Redrive";
    $("dlq-note").textContent = `Redrive failed: ${err.message}`;
  }
}

const openDeadLetters = () => guarded(async () => {
  try {
    const data = await api("/api/admin/dead-letters?limit=100");
    renderDeadLetters($("dead-letters").tBodies[0], data.deadLetters, redrive);
    $("dlq-note").textContent = "";
  } catch (err) {
    if (err.status !== 404) throw err;
    $("dlq-note").textContent = "This server has no dead-letter API yet.";
  }
});

function route() {
  if (!state.token) return;
  const hash = location.hash.replace(/^#\/?/, "");
  const [page, id] = hash.split("/");
  const views = { "": "view-overview", job: "view-job", sites: "view-sites", "dead-letters": "view-dead-letters" };
  const current = views[page] || "view-overview";
  document.querySelectorAll(".view").forEach((v) => { v.hidden = v.id !== current; });
  document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", a.getAttribute("href") === `#/${page}`));
  state.jobId = page === "job" ? id : null;
  if (page === "job" && id) openJob(id);
  if (page === "sites") openSites(id);
  if (page === "dead-letters") openDeadLetters();
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  signIn($("token").value.trim());
});
$("logout").addEventListener("click", () => signOut());
window.addEventListener("hashchange", route);
if (state.token) signIn(state.token);
