// Rendering: every value goes in as text (job payloads and errors are user data), never as HTML.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

function fill(tbody, rows, empty, columns) {
  tbody.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: columns, class: "muted", text: empty }))]));
}

export function jobLink(id) {
  return el("a", { href: `#/job/${id}`, text: id.slice(0, 8) });
}

export function renderCounts(dl, stats, backlog) {
  const items = ["pending", "processing", "completed", "failed", "cancelled", "total"].map((k) =>
    el("div", {}, el("dt", { text: k }), el("dd", { id: `count-${k}`, text: stats[k] ?? 0 })));
  items.push(el("div", {}, el("dt", { text: "outbox backlog" }), el("dd", { text: backlog })));
  dl.replaceChildren(...items);
}

export function renderQueues(tbody, queues) {
  fill(tbody, queues.map((q) => el("tr", { class: q.lag > 0 ? "lagging" : "", "data-topic": q.topic },
    el("td", { text: q.service }), el("td", { text: q.lane }), el("td", {}, el("code", { text: q.topic })),
    el("td", { class: "num", text: q.end }), el("td", { class: "num", text: q.committed }),
    el("td", { class: "num lag", text: q.lag }))), "no topics yet", 6);
}

export function jobRow(job) {
  const bar = el("progress", { max: 100, value: job.progress });
  return el("tr", { "data-job-id": job.id, "data-status": job.status },
    el("td", {}, jobLink(job.id)), el("td", { text: job.type }),
    el("td", {}, el("span", { class: `status ${job.status}`, text: job.status })),
    el("td", {}, bar, el("span", { class: "muted", text: ` ${job.progress}%` })),
    el("td", { class: "num", text: `${job.attempts}/${job.maxAttempts}` }),
    el("td", { class: "worker", text: job.worker ? `${job.worker} (${when(job.heartbeatAt)})` : (job.waitingForSlot ? "waiting for a slot" : "") }),
    el("td", { text: when(job.createdAt) }));
}

export function renderFailures(tbody, failures) {
  fill(tbody, failures.map((f) => el("tr", {}, el("td", {}, jobLink(f.id)), el("td", { text: f.type }),
    el("td", { text: f.error || "" }), el("td", { text: when(f.completedAt) }))), "no failures", 4);
}

export function renderJob(job) {
  document.getElementById("job-id").textContent = job.id;
  const status = document.getElementById("job-status");
  status.textContent = job.status;
  status.className = `status ${job.status}`;
  document.getElementById("job-progress").value = job.progress;
  document.getElementById("job-percent").textContent = `${job.progress}%`;
  const fields = [["type", job.type], ["priority", job.priority], ["attempts", `${job.attempts} of ${job.maxAttempts}`],
    ["owner", job.userId || "-"], ["site", job.siteId || "-"], ["created", when(job.createdAt)],
    ["started", when(job.startedAt)], ["completed", when(job.completedAt)],
    ["worker", job.worker || (job.waitingForSlot ? "waiting for a run slot" : "-")],
    ["last heartbeat", job.heartbeatAt ? when(job.heartbeatAt) : "-"],
    ["dead-lettered", job.deadLettered ? "yes" : "no"]];
  document.getElementById("job-fields").replaceChildren(...fields.flatMap(([k, v]) =>
    [el("dt", { text: k }), el("dd", { text: v ?? "" })]));
  document.getElementById("job-payload").textContent = JSON.stringify(job.payload, null, 2);
  document.getElementById("job-result").textContent = job.error
    ? `error: ${job.error}\n\n${JSON.stringify(job.result, null, 2)}` : JSON.stringify(job.result, null, 2);
}

export function renderTimeline(ol, events, truncated) {
  document.getElementById("timeline-note").textContent = truncated ? "(partial: the topic is busy)" : "";
  ol.replaceChildren(...events.map((e) => {
    const details = Object.entries(e.details || {}).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`);
    return el("li", {}, el("span", { class: "when", text: when(e.at) }), el("strong", { text: e.event }),
      ` attempt ${e.attempt} `, el("span", { class: "muted", text: details.join(" ") }));
  }));
  if (!events.length) ol.replaceChildren(el("li", { class: "muted", text: "no events found" }));
}

export function renderSites(tbody, sites, open) {
  fill(tbody, sites.map((s) => el("tr", {},
    el("td", {}, el("a", { href: `#/sites/${s.id}`, text: s.name })), el("td", { text: s.url }),
    el("td", { class: "num sev-high", text: s.issues.high }), el("td", { class: "num sev-medium", text: s.issues.medium }),
    el("td", { class: "num", text: s.issues.low }), el("td", { class: "num", text: s.recommendations ?? "-" }))),
  "no sites", 6);
  return open;
}

const SEVERITY_ORDER = { high: 0, medium: 1, low: 2 };

// Issues grouped by category (indexing, content, links, JavaScript, page experience, structured
// data), each group a table of severity, rule, URL and the crawler's evidence.
export function renderIssues(container, issues, catalogue) {
  const byCategory = new Map(catalogue.categories.map((c) => [c.id, []]));
  for (const issue of issues) {
    const rule = catalogue.rules[issue.rule];
    const category = rule && byCategory.has(rule.category) ? rule.category : catalogue.categories[0].id;
    byCategory.get(category).push(issue);
  }
  const groups = catalogue.categories.filter((c) => byCategory.get(c.id).length).map((c) => {
    const rows = byCategory.get(c.id).sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3)
      || a.rule.localeCompare(b.rule) || a.url.localeCompare(b.url));
    const tbody = el("tbody", {}, ...rows.map((i) => el("tr", { "data-rule": i.rule },
      el("td", { class: `sev-${i.severity}`, text: i.severity }), el("td", { text: i.rule }),
      el("td", { text: i.url }), el("td", { class: "evidence", text: i.evidence || "" }))));
    return el("section", { class: "issue-group", "data-category": c.id },
      el("h3", {}, c.label, " ", el("small", { class: "muted", text: `(${rows.length})` })),
      el("table", {}, el("thead", {}, el("tr", {}, el("th", { text: "Severity" }), el("th", { text: "Rule" }),
        el("th", { text: "URL" }), el("th", { text: "Evidence" }))), tbody));
  });
  container.replaceChildren(...(groups.length ? groups : [el("p", { class: "muted", text: "no issues" })]));
}

export function renderRecommendations(ol, analysis) {
  const recs = (analysis && analysis.recommendations) || [];
  ol.replaceChildren(...recs.map((r) => el("li", {}, el("strong", { text: r.title || r.rule || "recommendation" }),
    " ", el("span", { class: "muted", text: r.priority ? `(${r.priority})` : "" }), el("div", { text: r.action || r.detail || r.why || "" }))));
  if (!recs.length) ol.replaceChildren(el("li", { class: "muted", text: "no analysis yet" }));
}

export function renderDeadLetters(tbody, letters, redrive) {
  fill(tbody, letters.map((d) => {
    const button = el("button", { type: "button", class: "primary redrive", "data-id": d.id, text: d.redrivenAt ? "Redriven" : "Redrive" });
    button.disabled = Boolean(d.redrivenAt);
    button.addEventListener("click", () => redrive(d, button));
    return el("tr", { "data-dead-letter-id": d.id },
      el("td", {}, d.jobId ? jobLink(d.jobId) : "-"), el("td", { text: d.jobType || "" }),
      el("td", { text: d.reason || "" }), el("td", { text: d.errorType || "" }),
      el("td", {}, el("code", { text: `${d.sourceTopic}[${d.sourcePartition}]@${d.sourceOffset}` })),
      el("td", { class: "num", text: d.attempts ?? "" }), el("td", { text: when(d.createdAt) }), el("td", {}, button));
  }), "no dead letters", 8);
}
