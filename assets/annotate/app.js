// The annotation app: plain DOM, no framework, nothing loaded from elsewhere.
// The server holds the truth (the annotator's JSONL file); this page shows one
// item at a time, sends each answer as it is saved and moves on.
"use strict";

const $ = (id) => document.getElementById(id);
const PAIR_CHOICES = [["a", "A"], ["tie", "Tie"], ["b", "B"]];

const state = { session: null, annotator: null, index: 0, answered: new Set(), current: 0, rows: [], busy: false };

async function getJSON(url, init) {
  const res = await fetch(url, init);
  const body = await res.json().catch(() => ({}));
  return { status: res.status, body };
}

function query() {
  const name = new URLSearchParams(location.search).get("annotator");
  return name ? `?annotator=${encodeURIComponent(name)}` : "";
}

async function start() {
  const { status, body } = await getJSON(`/api/session${query()}`);
  if (status !== 200) return notice(body.error || `the server answered ${status}`);
  state.session = body;
  $("context").textContent = `rubric ${body.rubric.name} · stage ${body.stage} · ${body.mode} · ${body.only}`;
  if (!body.annotator) return askName();
  state.annotator = body.annotator;
  state.answered = new Set(body.answered);
  $("who").textContent = `${body.annotator} → ${body.file}`;
  if (!body.readByBuild) notice(`No human judge reads ${body.file} yet: add it to a judge of type human (files: [${body.file}]) so builds use these answers.`);
  $("keys-help").innerHTML = keysHelp(body);
  buildRows(body);
  $("work").hidden = false;
  state.index = firstOpen(0);
  if (state.index < 0) return finished();
  show();
}

function askName() {
  $("name-form").hidden = false;
  $("name-input").focus();
  $("name-form").addEventListener("submit", (e) => {
    e.preventDefault();
    location.search = `?annotator=${encodeURIComponent($("name-input").value.trim())}`;
  });
}

function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = false;
}

function keysHelp(s) {
  const scores = s.mode === "pairwise" ? "<kbd>A</kbd> <kbd>T</kbd> <kbd>B</kbd> choose for the highlighted row" : `<kbd>${s.rubric.scale.min}</kbd>…<kbd>${Math.min(9, s.rubric.scale.max)}</kbd> score the highlighted criterion`;
  return `${scores} and move to the next; <kbd>↑</kbd>/<kbd>↓</kbd> move between rows; <kbd>r</kbd> writes a rationale (<kbd>Esc</kbd> leaves it); <kbd>Enter</kbd> saves; <kbd>n</kbd>/<kbd>p</kbd> next/previous item.`;
}

/** One row per criterion (and, pairwise, an overall row first): the rubric drives the form. */
function buildRows(s) {
  const rows = s.mode === "pairwise" ? [{ id: "overall", title: "Overall", description: "Which response is better overall?", anchors: [], required: true }] : [];
  for (const c of s.rubric.criteria) rows.push({ id: c.id, title: c.id, description: c.description, anchors: c.anchors, required: false });
  const values = s.mode === "pairwise" ? PAIR_CHOICES : range(s.rubric.scale.min, s.rubric.scale.max).map((n) => [String(n), String(n)]);
  const container = $("rows");
  container.textContent = "";
  rows.forEach((row, i) => {
    const el = document.createElement("fieldset");
    el.className = "row";
    el.dataset.row = row.id;
    el.innerHTML = `<div class="title"></div><div class="description"></div><ul class="anchors"></ul><div class="choices"></div><textarea placeholder="rationale (optional)" rows="1"></textarea>`;
    el.querySelector(".title").textContent = row.title;
    if (!row.required && s.mode === "pairwise") el.querySelector(".title").insertAdjacentHTML("beforeend", ' <span class="optional">optional</span>');
    el.querySelector(".description").textContent = row.description;
    for (const [score, text] of row.anchors) {
      const li = document.createElement("li");
      li.innerHTML = "<b></b> ";
      li.firstChild.textContent = score;
      li.append(text);
      el.querySelector(".anchors").append(li);
    }
    for (const [value, label] of values) {
      const l = document.createElement("label");
      l.innerHTML = `<input type="radio"><span></span>`;
      const input = l.firstChild;
      input.name = `choice-${row.id}`;
      input.value = value;
      l.lastChild.textContent = label;
      el.querySelector(".choices").append(l);
    }
    el.querySelector("textarea").name = `rationale-${row.id}`;
    el.addEventListener("click", () => setCurrent(i));
    container.append(el);
  });
  state.rows = rows;
}

const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

function firstOpen(from) {
  const items = state.session.items;
  for (let k = 0; k < items.length; k++) {
    const i = (from + k) % items.length;
    if (!state.answered.has(items[i].id)) return i;
  }
  return -1;
}

function show() {
  const s = state.session;
  const item = s.items[state.index];
  $("prompt").textContent = item.prompt;
  const responses = $("responses");
  responses.textContent = "";
  responses.className = s.mode === "pairwise" ? "responses two" : "responses";
  const texts = s.mode === "pairwise" ? [["Response A", item.a], ["Response B", item.b]] : [["Response", item.response]];
  for (const [title, text] of texts) {
    const div = document.createElement("div");
    div.className = "response";
    div.innerHTML = "<h2></h2><pre></pre>";
    div.firstChild.textContent = title;
    div.lastChild.textContent = text;
    responses.append(div);
  }
  $("answer").reset();
  const saved = state.answered.has(item.id);
  $("answer").classList.toggle("saved", saved);
  $("save").disabled = saved;
  status(saved ? "already saved" : "", saved ? "ok" : "");
  $("prev").disabled = state.index === 0;
  $("next").disabled = state.index === s.items.length - 1;
  setCurrent(0);
  progress();
}

function progress() {
  const total = state.session.items.length;
  const done = state.session.items.filter((i) => state.answered.has(i.id)).length;
  $("progress-bar").style.width = total ? `${(100 * done) / total}%` : "0";
  $("progress-text").textContent = `${done} / ${total} answered · item ${state.index + 1}`;
  $("progress").setAttribute("aria-valuemax", String(total));
  $("progress").setAttribute("aria-valuenow", String(done));
}

function setCurrent(i) {
  state.current = Math.max(0, Math.min(state.rows.length - 1, i));
  document.querySelectorAll(".row").forEach((el, k) => el.classList.toggle("current", k === state.current));
  document.querySelectorAll(".row")[state.current]?.scrollIntoView({ block: "nearest" });
}

function choose(value) {
  const row = state.rows[state.current];
  const input = document.querySelector(`input[name="choice-${row.id}"][value="${value}"]`);
  if (!input) return;
  input.checked = true;
  setCurrent(state.current + 1);
}

function status(text, kind) {
  $("status").textContent = text;
  $("status").className = kind || "";
}

function collect() {
  const s = state.session;
  const item = s.items[state.index];
  const checked = (id) => document.querySelector(`input[name="choice-${id}"]:checked`)?.value;
  const rationale = {};
  for (const row of state.rows) {
    const text = document.querySelector(`textarea[name="rationale-${row.id}"]`).value.trim();
    if (text) rationale[row.id] = text;
  }
  if (s.mode === "pairwise") {
    const criteria = {};
    for (const c of s.rubric.criteria) if (checked(c.id)) criteria[c.id] = checked(c.id);
    return { item: item.id, preference: checked("overall"), criteria, rationale };
  }
  const scores = {};
  for (const c of s.rubric.criteria) if (checked(c.id)) scores[c.id] = Number(checked(c.id));
  return { item: item.id, scores, rationale };
}

async function save() {
  const at = state.index;
  const item = state.session.items[at];
  if (state.busy || state.answered.has(item.id)) return;
  state.busy = true;
  status("saving…");
  try {
    const { status: code, body } = await getJSON(`/api/answers${query()}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(collect()),
    });
    if (code === 200 || code === 409) {
      state.answered.add(item.id);
      const next = firstOpen(at + 1);
      if (next < 0) return finished();
      // Moved on meanwhile (n/p while saving): stay where the annotator went, form untouched.
      if (state.index !== at) return progress();
      state.index = next;
      show();
      status(code === 200 ? "saved" : "was already saved", "ok");
    } else status(body.error || `not saved (${code})`, "bad");
  } catch (e) {
    status(`not saved: ${e.message}`, "bad");
  } finally {
    state.busy = false;
  }
}

function go(delta) {
  const i = state.index + delta;
  if (i < 0 || i >= state.session.items.length) return;
  state.index = i;
  show();
}

function finished() {
  progress();
  $("work").hidden = true;
  $("done").hidden = false;
  $("done").textContent = `All ${state.session.items.length} items are answered — thank you. Your answers are in ${state.session.file}.`;
}

document.addEventListener("keydown", (e) => {
  if (!state.annotator || $("work").hidden) return;
  if (e.target instanceof HTMLTextAreaElement) {
    if (e.key === "Escape") e.target.blur();
    else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) (e.preventDefault(), save());
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const key = e.key.toLowerCase();
  const pairwise = state.session.mode === "pairwise";
  if (key === "enter") return e.preventDefault(), save();
  if (key === "n") return go(1);
  if (key === "p") return go(-1);
  if (key === "arrowdown" || key === "j") return e.preventDefault(), setCurrent(state.current + 1);
  if (key === "arrowup" || key === "k") return e.preventDefault(), setCurrent(state.current - 1);
  if (key === "r") {
    e.preventDefault();
    return document.querySelectorAll(".row textarea")[state.current]?.focus();
  }
  if (pairwise && (key === "a" || key === "b" || key === "t")) return choose(key === "t" ? "tie" : key);
  if (!pairwise && /^[0-9]$/.test(key)) return choose(key);
});

$("answer").addEventListener("submit", (e) => {
  e.preventDefault();
  save();
});
$("next").addEventListener("click", () => go(1));
$("prev").addEventListener("click", () => go(-1));

start().catch((e) => notice(`cannot start: ${e.message}`));
