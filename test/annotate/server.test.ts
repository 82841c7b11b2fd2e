import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import { ProjectView } from "../../src/annotate/project-view.js";
import { parseOnly, select, type SelectOptions } from "../../src/annotate/selection.js";
import { serve, type RunningServer } from "../../src/annotate/server.js";
import { AnnotateProject } from "./project.js";

const project = new AnnotateProject();
let view: ProjectView;

beforeAll(async () => {
  view = ProjectView.open(await project.build());
}, 60_000);
afterAll(() => project.remove());

async function start(o: Partial<SelectOptions> & { annotator?: string; port?: number } = {}): Promise<RunningServer> {
  const selection = await select(view, { only: parseOnly("all"), ...o });
  return serve({ root: project.dir, selection, annotator: o.annotator, host: "127.0.0.1", port: o.port ?? 0, humanFiles: view.humanFiles(selection.judgeStage), now: () => new Date("2026-12-01T10:00:00Z") });
}

async function session(s: RunningServer, annotator?: string) {
  const res = await fetch(`${s.url}api/session${annotator ? `?annotator=${annotator}` : ""}`);
  return { status: res.status, body: (await res.json()) as any };
}

async function post(s: RunningServer, answer: unknown, annotator?: string, type = "application/json") {
  const res = await fetch(`${s.url}api/answers${annotator ? `?annotator=${annotator}` : ""}`, { method: "POST", headers: { "content-type": type }, body: JSON.stringify(answer) });
  return { status: res.status, body: (await res.json()) as any };
}

const fileLines = (name: string) => project.read(`annotations/${name}.jsonl`).split("\n").filter(Boolean).map((l) => JSON.parse(l));

describe("selection", () => {
  test("a judged stage offers its candidates; a stage of pairs offers pairs, or both sides of each pair pointwise", async () => {
    const judged = await view.records("judge");
    const pairs = await view.records("pairs");
    const candidates = await select(view, { only: parseOnly("all") });
    expect([candidates.stage, candidates.mode, candidates.count]).toEqual(["judge", "pointwise", judged.length * 3]);
    const pairwise = await select(view, { mode: "pairwise", only: parseOnly("all") });
    expect([pairwise.stage, pairwise.count]).toEqual(["pairs", pairs.length]);
    const sides = await select(view, { stage: "pairs", mode: "pointwise", only: parseOnly("all") });
    expect(sides.itemsFor("x").map((i) => i.id).sort()).toEqual([...new Set(pairs.flatMap((p: any) => [p.chosen.id, p.rejected.id]))].sort());
    await expect(select(view, { stage: "judge", mode: "pairwise", only: parseOnly("all") })).rejects.toThrow(/pairwise annotation needs a stage of pairs/);
  });

  test("sample:N is seeded: the same N items for every annotator and every run; A/B order is seeded per annotator", async () => {
    const a = await select(view, { only: parseOnly("sample:5") });
    const b = await select(view, { only: parseOnly("sample:5") });
    expect(a.count).toBe(5);
    expect(a.itemsFor("ana").map((i) => i.id)).toEqual(b.itemsFor("ben").map((i) => i.id));
    const pairs = await select(view, { mode: "pairwise", only: parseOnly("all") });
    const orders = (name: string) => pairs.itemsFor(name).map((i) => (i.kind === "pair" ? i.shownFirst : ""));
    expect(orders("ana")).toEqual(orders("ana"));
    expect(new Set([...orders("ana"), ...orders("ben"), ...orders("cy")])).toEqual(new Set(["chosen", "rejected"]));
  });

  test("disputed: the pairs agreement's rule disputes, and for candidates the sides of those pairs", async () => {
    const pairs = await view.records("pairs");
    const agreed = await view.records("agreement");
    const disputedIds = agreed.filter((p: any) => p.agreement.disputed).map((p) => p.id);
    expect(disputedIds.length).toBeGreaterThan(0);
    expect(disputedIds.length).toBeLessThan(pairs.length);
    const s = await select(view, { mode: "pairwise", only: parseOnly("disputed") });
    expect(s.itemsFor("ana").map((i) => i.id)).toEqual(disputedIds);
    const c = await select(view, { only: parseOnly("disputed") });
    const sides = pairs.filter((p) => disputedIds.includes(p.id)).flatMap((p: any) => [p.chosen.id, p.rejected.id]);
    expect(c.itemsFor("ana").map((i) => i.id).sort()).toEqual([...new Set(sides)].sort());
    expect(() => parseOnly("sample:0")).toThrow(/--only expects all, disputed or sample:N/);
  });
});

describe("the server", () => {
  test("serves the page and a session driven by the rubric; the page asks for a name when none is fixed", async () => {
    const s = await start();
    try {
      const page = await fetch(s.url);
      expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(await page.text()).toContain('<script src="/app.js"');
      const anonymous = await session(s);
      expect(anonymous.body).toMatchObject({ annotator: null, mode: "pointwise", stage: "judge", rubric: { name: "mini", scale: { min: 1, max: 5 } } });
      expect(anonymous.body.rubric.criteria[0]).toEqual({ id: "correctness", description: "Are the facts right?", anchors: [[1, "Wrong on the central point."], [3, "Mostly right."], [5, "Entirely right."]] });
      const named = await session(s, "zoe");
      expect(named.body).toMatchObject({ annotator: "zoe", file: "annotations/zoe.jsonl", readByBuild: false, answered: [] });
      expect(named.body.items[0]).toEqual({ id: expect.any(String), prompt: expect.any(String), response: expect.any(String) });
      expect((await session(s, "../etc")).status).toBe(400);
    } finally {
      await s.close();
    }
  });

  test("each answer is appended at once, in the human judge's format; answered items are skipped on restart", async () => {
    const s = await start({ annotator: "ana" });
    const { body } = await session(s);
    const [first, second] = body.items;
    try {
      expect(await post(s, { item: first.id, scores: { correctness: 4, clarity: 5 }, rationale: { clarity: " tidy " } })).toMatchObject({ status: 200, body: { answered: 1 } });
      expect(fileLines("ana")).toEqual([
        { annotator: "ana", candidate: first.id, scores: { correctness: 4, clarity: 5 }, rationale: { clarity: "tidy" }, meta: { stage: "judge", at: "2026-12-01T10:00:00.000Z" } },
      ]);
      expect((await post(s, { item: first.id, scores: { correctness: 1 } })).status).toBe(409);
      expect(await post(s, { item: second.id, scores: { correctness: 9 } })).toMatchObject({ status: 400, body: { error: "score for correctness must be an integer from 1 to 5" } });
      expect((await post(s, { item: second.id, scores: {} })).status).toBe(400);
      expect((await post(s, { item: second.id, scores: { clarity: 2 } }, undefined, "text/plain")).status).toBe(415);
      expect(fileLines("ana")).toHaveLength(1);
    } finally {
      await s.close();
    }
    const again = await start({ annotator: "ana" });
    try {
      expect((await session(again)).body.answered).toEqual([first.id]);
    } finally {
      await again.close();
    }
    // The file is the human judge's input: a rebuild reads it.
    const rebuilt = ProjectView.open(await project.build());
    const judged = (await rebuilt.records("judge")).flatMap((r: any) => r.candidates);
    expect(judged.find((c: any) => c.id === first.id).judgements.filter((j: any) => j.judge === "human:ana").map((j: any) => j.score)).toEqual([4, 5]);
  });

  test("a pairwise answer records A and B as shown, the overall and per-criterion verdicts and which side A was", async () => {
    const s = await start({ annotator: "ben", mode: "pairwise" });
    try {
      const { body } = await session(s);
      const item = (await select(view, { mode: "pairwise", only: parseOnly("all") })).itemsFor("ben").find((i) => i.id === body.items[0].id)!;
      expect(await post(s, { item: item.id, criteria: { clarity: "a" } })).toMatchObject({ status: 400, body: { error: "choose A, B or tie overall" } });
      expect((await post(s, { item: item.id, preference: "b", criteria: { clarity: "tie", correctness: "" }, rationale: { overall: "B is right" } })).status).toBe(200);
      if (item.kind !== "pair") throw new Error("expected a pair");
      expect(fileLines("ben")).toEqual([
        { annotator: "ben", a: item.a.id, b: item.b.id, preference: "b", criteria: { clarity: "tie" }, rationale: { overall: "B is right" }, meta: { stage: "pairs", pair: item.id, shownFirst: item.shownFirst, at: "2026-12-01T10:00:00.000Z" } },
      ]);
      expect((await session(s)).body.answered).toEqual([item.id]);
    } finally {
      await s.close();
    }
  });

  test("refuses a port in use with a clear message, and requests naming another host", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const e = await start({ port }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DpoError);
      expect((e as DpoError).diagnostics[0]!.message).toBe(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      blocker.close();
    }
    const s = await start();
    try {
      const { request } = await import("node:http");
      const status = await new Promise<number>((resolve, reject) => {
        request(`${s.url}api/session`, { headers: { host: `evil.example:${s.port}` } }, (res) => (res.resume(), resolve(res.statusCode!))).on("error", reject).end();
      });
      expect(status).toBe(421);
    } finally {
      await s.close();
    }
  });
});

describe("the annotation file", () => {
  test("appends after existing lines, and after a last line left unterminated by hand", async () => {
    const { AnnotationFile } = await import("../../src/annotate/annotation-file.js");
    const f = new AnnotationFile(project.dir, "cy");
    project.write("annotations/cy.jsonl", '{"annotator":"cy","candidate":"x","scores":{"clarity":1}}');
    await f.append({ annotator: "cy", candidate: "y", scores: { clarity: 2 } });
    await f.append({ annotator: "cy", a: "p", b: "q", preference: "tie" });
    expect(fileLines("cy").map((l) => l.candidate ?? l.a)).toEqual(["x", "y", "p"]);
    expect([...(await f.answered())].sort()).toEqual(["candidate:x", "candidate:y", "pair:p:q"]);
  });
});
