/** The results page without JavaScript: themes filter answers by URL, answers come 50 at a time, exports are linked. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import type { HttpClient } from "../helpers/http.js";
import { createPrototype, createUser, createWorkspace, memberClient } from "../helpers/factories.js";
import { markup, unescapeHtml } from "../helpers/pages.js";
import { answerField } from "../../app/lib/feedback/questions.js";

let app: TestServer;
let viewer: HttpClient;
let resultsPath: string;
let textId: string;

beforeAll(async () => {
  app = await startTestServer();
  const owner = await createUser(app);
  const ws = await createWorkspace(app, owner.id);
  const prototypeId = (await createPrototype(app, ws.id)).id;
  viewer = (await memberClient(app, ws.id, "viewer")).client;
  const f = app.services.feedback;
  const { id: formId } = await f.create({
    workspaceId: ws.id,
    prototypeId,
    userId: owner.id,
    input: { title: "Week 1", intro: "", cardId: null, followsFormId: null, onePerBrowser: false },
  });
  textId = (
    await f.addQuestion({
      workspaceId: ws.id,
      formId,
      input: { kind: "text", prompt: "What would you change?", help: "", required: true, level: 1, choices: [], lowLabel: "", highLabel: "" },
    })
  ).id;
  await f.setStatus({ workspaceId: ws.id, formId, status: "open" });
  const token = (await f.get({ workspaceId: ws.id, formId })).form.publicToken!;
  // 60 answers: 12 mention "practice time", the rest "shorter sessions".
  for (let i = 0; i < 60; i++) {
    const text = i % 5 === 0 ? `More practice time, answer ${i}` : `Shorter sessions, answer ${i}`;
    const result = await f.submit({ token, submissionId: randomUUID(), ip: `203.0.113.${i}`, browserId: null, values: new Map([[answerField(textId), [text]]]) });
    expect(result.ok).toBe(true);
  }
  resultsPath = `/w/${ws.id}/prototypes/${prototypeId}/feedback/${formId}/results`;
});
afterAll(async () => {
  await app?.close();
});

/** The open-text answers the page lists. */
function answers(html: string): string[] {
  const list = new RegExp(`<ul class="text-answers" data-testid="answers-${textId}">([\\s\\S]*?)</ul>`).exec(markup(html));
  if (!list) return [];
  return [...list[1].matchAll(/<p class="prose">([\s\S]*?)<\/p>/g)].map((m) => unescapeHtml(m[1]));
}

/** The themes' links: label → href. */
function themeLinks(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of markup(html).matchAll(/<a ([^>]*data-theme="[^"]*"[^>]*)>([\s\S]*?)<\/a>/g)) {
    const label = unescapeHtml(m[2].replace(/<!-- -->/g, "").replace(/<span[\s\S]*$/, "")).trim();
    out.set(label, unescapeHtml(/href="([^"]*)"/.exec(m[1])![1]));
  }
  return out;
}

describe("the results page's answers", () => {
  it("shows the newest 50 answers with a link to show more, and all of them after it", async () => {
    const html = await (await viewer.get(resultsPath)).text();
    expect(answers(html)).toHaveLength(50);
    expect(answers(html)[0]).toBe("Shorter sessions, answer 59");
    expect(unescapeHtml(html)).toContain("Showing the newest 50 of 60 answers.");
    const more = /<a [^>]*href="([^"]*)"[^>]*>Show more answers/.exec(markup(html));
    expect(more).not.toBeNull();
    const next = await (await viewer.get(unescapeHtml(more![1]).replace(/#.*$/, ""))).text();
    expect(answers(next)).toHaveLength(60);
    expect(next).not.toContain("Show more answers");
  });

  it("lists themes with counts, and a theme's link shows only its answers, with a way back to all", async () => {
    const html = await (await viewer.get(resultsPath)).text();
    const themes = themeLinks(html);
    const href = themes.get("practice time");
    expect(href, `themes: ${[...themes.keys()].join(", ")}`).toBeDefined();
    expect(markup(html).replace(/<!-- -->/g, "")).toMatch(/practice time <span class="theme-count">12/);

    const filtered = await (await viewer.get(href!.replace(/#.*$/, ""))).text();
    const shown = answers(filtered);
    expect(shown).toHaveLength(12);
    expect(shown.every((a) => a.startsWith("More practice time"))).toBe(true);
    expect(unescapeHtml(filtered)).toContain("12 answers mention “practice time”.");
    expect(filtered).toContain('aria-current="true"');
    expect(unescapeHtml(filtered)).toMatch(/Show all answers/);
  });

  it("an unknown theme shows every answer", async () => {
    const html = await (await viewer.get(`${resultsPath}?theme=${textId}:nonsense`)).text();
    expect(answers(html)).toHaveLength(50);
  });

  it("links the CSV and xAPI exports, which any member can download", async () => {
    const html = markup(await (await viewer.get(resultsPath)).text());
    const csv = /href="([^"]*responses\.csv)"/.exec(html)![1];
    const xapi = /href="([^"]*xapi\.json)"/.exec(html)![1];
    const csvRes = await viewer.get(csv);
    expect(csvRes.status).toBe(200);
    expect(csvRes.headers.get("content-type")).toMatch(/text\/csv/);
    expect((await csvRes.text()).split("\n").filter(Boolean)).toHaveLength(61);
    const xapiRes = await viewer.get(xapi);
    expect(xapiRes.status).toBe(200);
    expect(JSON.parse(await xapiRes.text())).toHaveLength(60);
  });
});
