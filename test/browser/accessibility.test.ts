import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { loginClient } from "../helpers/factories.js";
import { launchBrowser, logIn, newPerson, waitForHydration, type WatchedPage } from "../helpers/browser.js";
import { accessibilityViolations } from "../helpers/accessibility.js";
import { connectProvider, eventually, synced, type CollabClient } from "../helpers/collab.js";
import { answerValues, makeForm, questionInput, type MadeForm } from "../helpers/feedback.js";
import { answerField } from "../../app/lib/feedback/questions.js";
import { cardText, createCard, moveCard, setCardValue } from "../../app/lib/experiments/cards.js";
import { DEMO_EMAIL, DEMO_PASSWORD } from "../../server/seed.js";

/**
 * Every page a person meets, audited with axe-core (WCAG 2.2 A/AA and axe's best practices) in
 * Chromium, on the seeded demo workspace plus a feedback form with answers and two experiment
 * cards, in the states that matter: filled in, empty, open menus, form errors, read-only.
 */

let app: TestServer;
let browser: Browser;
let workspace: string;
let prototypes: Map<string, string>;
let form: MadeForm;
let cardWriter: CollabClient;
const people: WatchedPage[] = [];

const SALES = "Sales onboarding bootcamp in the flow of work";

beforeAll(async () => {
  [app, browser] = await Promise.all([startTestServer({ seed: true, collabLimits: { projectionDelayMs: 100 } }), launchBrowser()]);
  [{ id: workspace }] = await app.db.sql<{ id: string }[]>`select id from workspaces`;
  const rows = await app.db.sql<{ id: string; title: string }[]>`select id, title from prototypes`;
  prototypes = new Map(rows.map((r) => [r.title, r.id]));
  const [dana] = await app.db.sql<{ id: string }[]>`select id from users where email = ${DEMO_EMAIL}`;

  // A form with every kind of question, and a few answers, so its results have charts and quotes.
  form = await makeForm(app, { workspaceId: workspace, prototypeId: prototypes.get(SALES)!, userId: dana.id }, [
    questionInput("rating", { prompt: "How useful was week one?", required: true, lowLabel: "Not useful", highLabel: "Very useful" }),
    questionInput("nps", { prompt: "How likely are you to recommend the bootcamp to a new hire?", level: 1 }),
    questionInput("single", { prompt: "Did you run a live discovery call this week?", level: 3 }),
    questionInput("multiple", { prompt: "Which parts helped?", level: 2, choices: [{ label: "Call reviews" }, { label: "Deal buddy" }, { label: "Product labs" }] }),
    questionInput("text", { prompt: "What would you change?", level: 1 }),
  ]);
  for (let i = 0; i < 6; i++) {
    const q = form.questions;
    const values = answerValues([
      [answerField(q[0].id), String(3 + (i % 3))],
      [answerField(q[1].id), String(5 + i)],
      [answerField(q[2].id), q[2].choices[i % 2].id],
      [answerField(q[3].id), [q[3].choices[0].id, q[3].choices[1 + (i % 2)].id]],
      [answerField(q[4].id), i % 2 ? "More call reviews with my manager." : "Shorter product labs."],
    ]);
    const result = await app.services.feedback.submit({ token: form.token!, values, submissionId: randomUUID(), ip: `10.9.0.${i + 1}`, browserId: null });
    expect(result).toMatchObject({ ok: true });
  }

  // Two experiment cards in the sales prototype, written by a live client as a browser would.
  cardWriter = connectProvider(app, await loginClient(app, DEMO_EMAIL, DEMO_PASSWORD), `prototype.${prototypes.get(SALES)}`);
  await synced(cardWriter.provider);
  const planned = randomUUID();
  const running = randomUUID();
  createCard(cardWriter.doc, { id: planned, name: "Deal buddies shorten the first discovery call prep", createdBy: dana.id });
  createCard(cardWriter.doc, { id: running, name: "Week-three live calls bring quota sooner", createdBy: dana.id });
  cardText(cardWriter.doc, running, "hypothesis")!.insert(0, "Reps who run a live call in week three reach quota sooner.");
  cardText(cardWriter.doc, running, "metric")!.insert(0, "Weeks to first full quota month");
  cardText(cardWriter.doc, running, "criterion")!.insert(0, "At least 4 weeks sooner than the last cohort");
  setCardValue(cardWriter.doc, planned, "deadline", new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10));
  expect(moveCard(cardWriter.doc, running, "running", 0)).toBe(true);
  await eventually(
    async () => (await app.db.sql`select 1 from experiment_cards where prototype_id = ${prototypes.get(SALES)!}`).length === 2,
    "the cards reach the workspace's experiment list",
    10_000,
  );
});

afterAll(async () => {
  cardWriter?.destroy();
  await Promise.all(people.map((p) => p.context.close().catch(() => {})));
  await browser?.close();
  await app?.close();
});

async function person(email?: string): Promise<Page> {
  const p = await newPerson(browser, app.url);
  people.push(p);
  if (email) await logIn(p.page, email, DEMO_PASSWORD);
  return p.page;
}

/** Opens `path` (unless null: audit the page as it is) and expects no violations. */
async function audit(page: Page, path: string | null, label = path ?? page.url()) {
  if (path !== null) {
    const response = await page.goto(path);
    expect(response?.status(), `${label} loads`).toBeLessThan(500);
    await waitForHydration(page);
  }
  expect(await accessibilityViolations(page), label).toEqual([]);
}

describe("accessibility (axe-core, WCAG 2.2 AA)", { timeout: 120_000 }, () => {
  it("pages without an account: log in (and its error), sign up, a public feedback form with errors, thanks, not found", async () => {
    const page = await person();
    await audit(page, "/login");
    await page.getByLabel("Email").fill(DEMO_EMAIL);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").first().waitFor();
    await audit(page, null, "login with an error");
    await audit(page, "/signup");
    await audit(page, `/f/${form.token}`, "public form");
    // Sent without the required rating: the errors are shown by their questions.
    await page.getByRole("button", { name: "Send answers" }).click();
    await page.getByRole("alert").first().waitFor();
    await audit(page, null, "public form with errors");
    await page.getByRole("radio", { name: "4" }).first().check();
    await page.getByRole("button", { name: "Send answers" }).click();
    await page.waitForURL(/\/thanks/);
    await audit(page, null, "thanks");
    await audit(page, "/no/such/page", "not found");
  });

  it("the workspace's pages as its owner", async () => {
    const page = await person(DEMO_EMAIL);
    const w = `/w/${workspace}`;
    for (const path of [w, `${w}/prototypes`, `${w}/prototypes?q=discovery`, `${w}/experiments`, `${w}/goals`, `${w}/sprints`, `${w}/sprints/new`, `${w}/members`, `${w}/settings`]) {
      await audit(page, path);
    }
    const [goal] = await app.db.sql<{ id: string }[]>`select id from goals order by title limit 1`;
    await audit(page, `${w}/goals/${goal.id}`);
    const [sprint] = await app.db.sql<{ id: string }[]>`select id from sprints limit 1`;
    await audit(page, `${w}/sprints/${sprint.id}`, "sprint room");
    await audit(page, `${w}/sprints/${sprint.id}/summary`, "sprint summary");
    await audit(page, "/inbox");
    await audit(page, "/account");
    await audit(page, "/workspaces/new");

    // A form sent empty shows its errors.
    await audit(page, `${w}/prototypes/new`);
    await page.getByRole("button", { name: "Create prototype" }).click();
    await page.getByRole("alert").first().waitFor();
    await audit(page, null, "new prototype with errors");

    const sales = `${w}/prototypes/${prototypes.get(SALES)}`;
    await audit(page, `${sales}/feedback`, "feedback forms");
    await audit(page, `${sales}/feedback/${form.formId}`, "form builder");
    await audit(page, `${sales}/feedback/${form.formId}/results`, "form results");
    const empty = `${w}/prototypes/${prototypes.get("Five-minute safety huddles on the shift tablet")}/feedback`;
    await audit(page, empty, "no feedback forms yet");
  });

  it("a live prototype: the editor, its experiment board and menus, a decision", async () => {
    const page = await person(DEMO_EMAIL);
    await page.goto(`/w/${workspace}/prototypes/${prototypes.get(SALES)}`);
    await waitForHydration(page);
    await page.locator('.connection[data-state="connected"]').waitFor();
    await page.getByText("Week-three live calls bring quota sooner").first().waitFor();
    await audit(page, null, "prototype page, connected, with cards");

    await page.getByRole("button", { name: "Insert experiment card" }).click();
    await page.getByRole("menu", { name: "Experiment cards" }).waitFor();
    await audit(page, null, "insert-card menu open");
    await page.keyboard.press("Escape");

    await page.getByRole("radio", { name: /Approve for pilot/ }).first().check();
    await page.getByLabel("Note").fill("Run it with both cohorts.");
    await page.getByRole("button", { name: "Record decision" }).click();
    await page.getByRole("link", { name: /Made on the version of/ }).first().click();
    await page.waitForURL(/\/decisions\/[0-9a-f-]{36}$/);
    await waitForHydration(page);
    await audit(page, null, "a decision and the version it was made on");
  });

  it("a viewer's read-only prototype page", async () => {
    const page = await person("ana@example.com");
    await page.goto(`/w/${workspace}/prototypes/${prototypes.get("Manager coaching circles")}`);
    await waitForHydration(page);
    await page.locator('.connection[data-state="connected"]').waitFor();
    expect(await page.getByRole("textbox", { name: "Prototype document" }).getAttribute("contenteditable")).toBe("false");
    await audit(page, null, "viewer's prototype page");
  });
});
