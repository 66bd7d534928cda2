/**
 * Evidence end to end: an editor binds a card's success criterion to a rating question in the card
 * dialog, starts the card, participants answer, the card shows the value and sample size, and
 * concluding it lands it in the verdict the evidence gives. Then the results page's themes and the
 * prototype's evidence ladder.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { addMember, createPrototype, createUser, createWorkspace } from "../helpers/factories.js";
import { expectNoConsoleErrors, launchBrowser, newPerson, screenshot, signInAs, waitForHydration, type WatchedPage } from "../helpers/browser.js";
import { answerField } from "../../app/lib/feedback/questions.js";

let app: TestServer;
let browser: Browser;
let ws: { id: string };
let prototypeId: string;
let editorId: string;
let formId: string;
let token: string;
let ratingId: string;
let textId: string;
const people: WatchedPage[] = [];

const CARD = "Circles feel useful";
const RATING = "How useful was the circle?";
const TEXT = "What would you change?";

beforeAll(async () => {
  app = await startTestServer();
  const owner = await createUser(app);
  ws = await createWorkspace(app, owner.id);
  prototypeId = (await createPrototype(app, ws.id, { title: "Coaching circles pilot" })).id;
  const editor = await createUser(app, { name: "Edna Editor" });
  await addMember(app, ws.id, editor.id, "editor");
  editorId = editor.id;
  // The form is built through the service: its builder has its own browser test.
  const f = app.services.feedback;
  formId = (
    await f.create({ workspaceId: ws.id, prototypeId, userId: owner.id, input: { title: "After the first circle", intro: "", cardId: null, followsFormId: null, onePerBrowser: false } })
  ).id;
  const base = { help: "", required: true, level: 1 as const, choices: [], lowLabel: "Useless", highLabel: "Very useful" };
  ratingId = (await f.addQuestion({ workspaceId: ws.id, formId, input: { ...base, kind: "rating", prompt: RATING } })).id;
  textId = (await f.addQuestion({ workspaceId: ws.id, formId, input: { ...base, kind: "text", prompt: TEXT, level: 3 } })).id;
  await f.setStatus({ workspaceId: ws.id, formId, status: "open" });
  token = (await f.get({ workspaceId: ws.id, formId })).form.publicToken!;
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const p of people) await p.context.close().catch(() => {});
  await browser?.close();
  await app?.close();
});

const card = (page: Page) => page.locator(`.exp-card[data-card-name="${CARD}"]`);
const dialog = (page: Page) => page.getByRole("dialog");

async function openCard(page: Page): Promise<Locator> {
  await card(page).getByRole("button", { name: CARD, exact: true }).click();
  const d = dialog(page);
  await d.waitFor();
  return d;
}

async function closeDialog(page: Page) {
  await page.keyboard.press("Escape");
  await expect.poll(() => dialog(page).count()).toBe(0);
}

let ip = 0;
async function answer(score: number, text: string) {
  const result = await app.services.feedback.submit({
    token,
    submissionId: randomUUID(),
    ip: `198.51.100.${++ip}`,
    browserId: null,
    values: new Map([
      [answerField(ratingId), [String(score)]],
      [answerField(textId), [text]],
    ]),
  });
  expect(result.ok).toBe(true);
}

describe("verdicts from evidence", () => {
  let editor: WatchedPage;

  it("an editor binds a new card's criterion to the rating question in the card dialog", async () => {
    editor = await newPerson(browser, app.url);
    people.push(editor);
    await signInAs(editor, app, editorId);
    const { page } = editor;
    await page.goto(`/w/${ws.id}/prototypes/${prototypeId}`);
    await waitForHydration(page);
    await page.locator('.experiments[data-synced="true"]').waitFor();

    await page.getByRole("button", { name: "New test card" }).click();
    const d = dialog(page);
    await d.waitFor();
    await page.keyboard.type(CARD);
    await d.getByLabel("We are right if…").fill("Participants rate the circles useful.");

    const evidence = d.getByTestId("criterion-evidence");
    await evidence.getByRole("button", { name: "Bind to evidence" }).click();
    // Only questions a rule fits are offered: the rating, not the open text.
    const options = await evidence.getByLabel("Question").locator("option").allInnerTexts();
    expect(options).toEqual([RATING]);
    expect(await evidence.getByLabel("Rule").inputValue()).toBe("mean_gte");
    expect(await evidence.getByLabel("Minimum responses").inputValue()).toBe("20");

    // Out of range: the server refuses and says why, next to the field; the dialog stays open.
    await evidence.getByLabel("Threshold").fill("7");
    await evidence.getByRole("button", { name: "Bind criterion" }).click();
    await evidence.getByText("Choose a threshold from 1 to 5.").waitFor();
    expect(await app.db.sql`select 1 from criterion_bindings where prototype_id = ${prototypeId}`).toHaveLength(0);

    await evidence.getByLabel("Threshold").fill("4");
    await evidence.getByLabel("Minimum responses").fill("3");
    await evidence.getByRole("button", { name: "Bind criterion" }).click();
    const binding = d.getByTestId("criterion-binding");
    await binding.waitFor();
    expect(await binding.innerText()).toContain("Average score ≥ 4, with at least 3 responses");
    expect(await d.getByTestId("criterion-value").innerText()).toContain("Not enough data yet");
    // The board's tile says it too.
    await expect.poll(() => card(page).getByTestId("card-evidence").innerText()).toContain("Average score ≥ 4");
    expectNoConsoleErrors(editor, { expectedStatuses: [400] });
  });

  it("starting the card locks the binding; answers then show as the value and sample size", async () => {
    const { page } = editor;
    const d = dialog(page);
    await d.getByRole("button", { name: "Start test" }).click();
    await d.getByRole("button", { name: "Start and lock" }).click();
    await d.getByTestId("lock-note").waitFor();
    await expect.poll(() => d.getByTestId("criterion-evidence").innerText()).toContain("Locked since the test started");
    expect(await d.getByRole("button", { name: /Bind to evidence|Change binding|Unbind/ }).count()).toBe(0);
    await expect.poll(async () => (await app.db.sql`select 1 from experiment_runs where prototype_id = ${prototypeId}`).length, { timeout: 10_000 }).toBe(1);
    await closeDialog(page);

    await answer(5, "More practice time please");
    await answer(4, "Practice time was too short");
    await answer(4, "Great coaching overall");

    // Opening the card refreshes the evaluation.
    const reopened = await openCard(page);
    await expect.poll(() => reopened.getByTestId("criterion-value").innerText(), { timeout: 10_000 }).toContain("Now 4.3 · 3 responses · criterion met");
    expect(await card(page).getByTestId("card-evidence").innerText()).toContain("Now 4.3 · 3 responses");
    await screenshot(page, "evidence-bound-card");
    expectNoConsoleErrors(editor);
  });

  it("concluding the card puts it in the verdict column the evidence gives", async () => {
    const { page } = editor;
    const d = dialog(page);
    await d.getByRole("button", { name: "Conclude test" }).click();
    const computed = d.getByTestId("verdict-from-evidence");
    expect(await computed.innerText()).toContain("Verdict computed from evidence");
    // No free choice of verdict for a bound criterion.
    expect(await d.getByRole("radio").count()).toBe(0);
    await d.getByRole("button", { name: "Conclude", exact: true }).click();

    await expect.poll(() => page.locator('.board-column[data-status="validated"] .exp-card').getAttribute("data-card-name"), { timeout: 10_000 }).toBe(CARD);
    await expect
      .poll(async () => (await app.db.sql<{ verdict: string | null }[]>`select verdict from experiment_runs where prototype_id = ${prototypeId}`)[0]?.verdict, { timeout: 10_000 })
      .toBe("validated");
    const learning = d.getByTestId("computed-verdict");
    await expect.poll(() => learning.innerText(), { timeout: 10_000 }).toContain("Verdict computed from evidence");
    expect(await learning.innerText()).toContain("Validated");
    // Once the server has recorded the conclusion, the card shows the numbers the verdict was based on.
    await expect.poll(() => learning.innerText(), { timeout: 10_000 }).toContain("4.3 from 3 responses (needed 3)");
    expect(await d.getByLabel("Verdict", { exact: true }).count()).toBe(0);
    await closeDialog(page);
    expectNoConsoleErrors(editor);
  });

  it("the results page shows the themes of open answers; choosing one filters the answers", async () => {
    const { page } = editor;
    await page.goto(`/w/${ws.id}/prototypes/${prototypeId}/feedback/${formId}/results`);
    await waitForHydration(page);
    expect(await page.getByRole("link", { name: "Download CSV" }).getAttribute("href")).toMatch(/\/responses\.csv$/);
    expect(await page.getByRole("link", { name: "xAPI statements (JSON)" }).getAttribute("href")).toMatch(/\/xapi\.json$/);

    const themes = page.getByRole("navigation", { name: `Themes in answers to: ${TEXT}` });
    const theme = themes.getByRole("link", { name: /practice time/ });
    expect(await theme.innerText()).toMatch(/practice time\s*2/);
    const answers = page.getByTestId(`answers-${textId}`).locator("li");
    await expect.poll(() => answers.count()).toBe(3);

    await theme.click();
    await expect.poll(() => new URL(page.url()).searchParams.get("theme")).toBe(`${textId}:practice time`);
    await expect.poll(() => answers.count()).toBe(2);
    expect(await answers.allInnerTexts()).toEqual([expect.stringContaining("Practice time was too short"), expect.stringContaining("More practice time please")]);
    expect(await themes.getByRole("link", { name: /practice time/ }).getAttribute("aria-current")).toBe("true");
    await screenshot(page, "evidence-themes");

    await themes.getByRole("link", { name: /Show all answers/ }).click();
    await expect.poll(() => answers.count()).toBe(3);
    expect(new URL(page.url()).searchParams.get("theme")).toBeNull();
    expectNoConsoleErrors(editor);
  });

  it("the feedback page shows the evidence ladder, level by level", async () => {
    const { page } = editor;
    await page.goto(`/w/${ws.id}/prototypes/${prototypeId}/feedback`);
    await page.getByRole("heading", { name: "Evidence ladder" }).waitFor();
    const row = (level: number) => page.getByTestId("evidence-ladder").locator(`tr[data-level="${level}"]`);
    const cells = (level: number) => row(level).locator("th, td").allInnerTexts();
    expect(await cells(1)).toEqual(["Level 1 · Reaction", "1", "1", "3", "3", "Not enough data yet (3 of 5 respondents)"]);
    expect(await cells(2)).toEqual(["Level 2 · Learning", "0", "0", "0", "0", "No questions at this level"]);
    expect(await cells(3)).toEqual(["Level 3 · Behaviour on the job", "1", "1", "3", "3", "Not enough data yet (3 of 5 respondents)"]);
    // Two more respondents make level 1 (and 3) enough.
    await answer(3, "Fine");
    await answer(5, "Keep going");
    await page.reload();
    await expect.poll(() => cells(1)).toEqual(["Level 1 · Reaction", "1", "1", "5", "5", expect.stringContaining("Enough data")]);
    // The prototype as a whole: every response to any of its forms, per day.
    expect(await page.getByTestId("prototype-responses").innerText()).toBe("5 responses across this prototype's forms.");
    const perDay = page.getByRole("table", { name: "Responses per day, all forms" });
    expect(await perDay.locator("tbody td").last().textContent()).toBe("5");
    expectNoConsoleErrors(editor);
  });
});
