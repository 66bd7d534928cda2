/**
 * Dot voting in the sprint room with three people in three browser contexts: the facilitator opens
 * a vote, two participants place their dots (the budget counts down, the results stay hidden from
 * everyone), the decider casts a supervote, the facilitator reveals, and all three see the same
 * ranking without reloading; the summary page shows that ranking and downloads it as Markdown.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { addMember, createUser, createWorkspace, PASSWORD } from "../helpers/factories.js";
import { expectNoConsoleErrors, launchBrowser, logIn, newPerson, waitForHydration, type WatchedPage } from "../helpers/browser.js";
import { insertIdeas, insertSprint } from "../helpers/sprints.js";

let app: TestServer;
let browser: Browser;
let roomUrl: string;
let summaryUrl: string;
const people: WatchedPage[] = [];
/** Live updates go through the server-sent events and a reload of the panel: give them time on a busy machine. */
const SOON = { timeout: 10_000 };
const emails = { fay: "", ana: "", ben: "" };

beforeAll(async () => {
  app = await startTestServer();
  const owner = await createUser(app);
  const ws = await createWorkspace(app, owner.id);
  const fay = await createUser(app, { name: "Fay Facilitator" });
  const ana = await createUser(app, { name: "Ana Decider" });
  const ben = await createUser(app, { name: "Ben Participant" });
  await addMember(app, ws.id, fay.id, "facilitator");
  await addMember(app, ws.id, ana.id, "editor");
  await addMember(app, ws.id, ben.id, "commenter");
  Object.assign(emails, { fay: fay.email, ana: ana.email, ben: ben.email });
  const sprintId = await insertSprint(app, {
    workspaceId: ws.id,
    createdBy: fay.id,
    name: "Onboarding sprint",
    participantIds: [ana.id, ben.id],
    deciderId: ana.id,
  });
  await insertIdeas(app, sprintId, ["Peer coaching circles", "Micro-learning nudges", "Shadow a senior"]);
  roomUrl = `/w/${ws.id}/sprints/${sprintId}`;
  summaryUrl = `${roomUrl}/summary`;
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const p of people) await p.context.close().catch(() => {});
  await browser?.close();
  await app?.close();
});

/** Opens the room's Votes tab as one person and waits for the panel to load. */
async function openVotes(who: keyof typeof emails): Promise<WatchedPage> {
  const person = await newPerson(browser, app.url);
  people.push(person);
  await logIn(person.page, emails[who], PASSWORD);
  await person.page.goto(roomUrl);
  await waitForHydration(person.page);
  await person.page.getByRole("tab", { name: /^Votes/ }).click();
  const panel = person.page.getByRole("region", { name: "Dot voting" });
  await panel.getByText(/No vote yet/).waitFor();
  return person;
}

const panelOf = (p: WatchedPage) => p.page.getByRole("region", { name: "Dot voting" });
const ranking = (p: WatchedPage) => panelOf(p).getByRole("list", { name: "Ranking: Which ideas should we take forward?" });

describe("dot voting in the sprint room", () => {
  it("a facilitator opens a vote, two participants vote unseen, the reveal shows everyone the same ranking", async () => {
    const [fay, ana, ben] = [await openVotes("fay"), await openVotes("ana"), await openVotes("ben")];
    // Participants can't open a vote.
    expect(await panelOf(ben).getByRole("button", { name: "Open the vote" }).count()).toBe(0);

    const form = fay.page.getByRole("form", { name: "Open a vote" });
    // The sprint has no prototypes in scope: the server's refusal shows at the field.
    await form.getByLabel("Vote on").selectOption("prototypes");
    await form.getByRole("button", { name: "Open the vote" }).click();
    await form.getByText("This sprint has no prototypes in scope to vote on.").waitFor();
    expect(await form.getByLabel("Vote on").getAttribute("aria-invalid")).toBe("true");
    await form.getByLabel("Vote on").selectOption("ideas");
    await form.getByLabel("Dots per person").fill("25");
    await form.getByRole("button", { name: "Open the vote" }).click();
    // The browser's own range check stops it first; the server's message is the fallback.
    expect(await form.getByLabel("Dots per person").evaluate((el: HTMLInputElement) => el.validity.rangeOverflow)).toBe(true);
    await form.getByLabel("Dots per person").fill("2");
    await form.getByRole("button", { name: "Open the vote" }).click();
    await panelOf(fay).getByText("Voting open").waitFor();

    // The ballot reaches the participants live; each places two dots.
    const dotsLeft = (p: WatchedPage) => panelOf(p).getByTestId("dots-left");
    const add = (p: WatchedPage, label: string) => panelOf(p).getByRole("button", { name: `Add a dot to ${label}` });
    await add(ana, "Peer coaching circles").waitFor();
    await expect.poll(() => dotsLeft(ana).innerText(), SOON).toBe("2 of 2 dots left");
    await add(ana, "Peer coaching circles").click();
    await expect.poll(() => dotsLeft(ana).innerText(), SOON).toBe("1 of 2 dots left");
    await add(ana, "Micro-learning nudges").click();
    await expect.poll(() => dotsLeft(ana).innerText(), SOON).toBe("0 of 2 dots left");
    expect(await add(ana, "Shadow a senior").isDisabled()).toBe(true);
    expect(await dotsLeft(ana).getAttribute("aria-live")).toBe("polite");

    // Ben uses the keyboard; focus stays on the button he pressed, even once his dots are used up.
    const focusedLabel = () => ben.page.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? null);
    await add(ben, "Peer coaching circles").focus();
    await ben.page.keyboard.press("Enter");
    await expect.poll(() => dotsLeft(ben).innerText(), SOON).toBe("1 of 2 dots left");
    expect(await focusedLabel()).toBe("Add a dot to Peer coaching circles");
    await add(ben, "Micro-learning nudges").focus();
    await ben.page.keyboard.press("Enter");
    await expect.poll(() => dotsLeft(ben).innerText(), SOON).toBe("0 of 2 dots left");
    expect(await focusedLabel()).toBe("Add a dot to Micro-learning nudges");
    expect(await add(ben, "Micro-learning nudges").getAttribute("aria-disabled")).toBe("true");
    // A press on a used-up budget does nothing.
    await ben.page.keyboard.press("Enter");
    expect(await dotsLeft(ben).innerText()).toBe("0 of 2 dots left");
    // Changed his mind: takes one back and puts it elsewhere.
    await panelOf(ben).getByRole("button", { name: "Remove a dot from Micro-learning nudges" }).click();
    await expect.poll(() => dotsLeft(ben).innerText(), SOON).toBe("1 of 2 dots left");
    await add(ben, "Shadow a senior").click();
    await expect.poll(() => dotsLeft(ben).innerText(), SOON).toBe("0 of 2 dots left");

    // Only the decider has the supervote.
    const superShadow = panelOf(ana).getByRole("button", { name: "Supervote for Shadow a senior" });
    await superShadow.click();
    await expect.poll(() => superShadow.getAttribute("aria-pressed"), SOON).toBe("true");
    expect(
      await panelOf(ben)
        .getByRole("button", { name: /^Supervote for/ })
        .count()
    ).toBe(0);
    expect(
      await panelOf(fay)
        .getByRole("button", { name: /^Supervote for/ })
        .count()
    ).toBe(0);

    // Hidden from all three, the facilitator included: only the total shows.
    for (const p of [fay, ana, ben]) {
      await expect.poll(() => panelOf(p).getByTestId("results-hidden").innerText(), SOON).toContain("4 dots cast so far");
      expect(await ranking(p).count()).toBe(0);
    }
    // Each sees their own dots only.
    const myDots = (p: WatchedPage, label: string) => panelOf(p).getByTestId("ballot-item").filter({ hasText: label }).getByTestId("my-dots").innerText();
    expect(await myDots(ben, "Shadow a senior")).toMatch(/●\s*Your dots: 1/);
    expect(await myDots(ana, "Shadow a senior")).toMatch(/–\s*Your dots: 0/);
    expect(await myDots(ana, "Peer coaching circles")).toMatch(/●\s*Your dots: 1/);

    await panelOf(fay).getByRole("button", { name: "Close and reveal results" }).click();

    // Everyone's panel updates without a reload, to the same ranking.
    const texts: string[] = [];
    for (const p of [fay, ana, ben]) {
      await ranking(p).waitFor();
      texts.push(await ranking(p).innerText());
      await expect.poll(() => panelOf(p).getByTestId("supervote-result").innerText(), SOON).toBe("Decider’s supervote: Shadow a senior");
    }
    expect(texts[1]).toBe(texts[0]);
    expect(texts[2]).toBe(texts[0]);
    const rows = await ranking(fay).getByTestId("ranking-item").allInnerTexts();
    expect(rows.map((r) => r.replace(/\s+/g, " ").trim())).toEqual([
      "Rank 1 Peer coaching circles 2 dots",
      "Rank 2 tie Micro-learning nudges 1 dot",
      "Rank 2 tie Shadow a senior 1 dot",
    ]);

    // The summary shows the same ranking.
    await fay.page.goto(summaryUrl);
    await waitForHydration(fay.page);
    const summaryRows = await fay.page.getByRole("list", { name: "Ranking: Which ideas should we take forward?" }).getByTestId("ranking-item").allInnerTexts();
    expect(summaryRows.map((r) => r.replace(/\s+/g, " ").trim())).toEqual(rows.map((r) => r.replace(/\s+/g, " ").trim()));
    expect(await fay.page.getByTestId("supervote-result").innerText()).toBe("Decider’s supervote: Shadow a senior");

    // The Markdown export downloads from the summary's button, with the same ranking (labels escaped).
    const rankingRows = ["| 1 | Peer coaching circles | 2 |", "| 2 (tie) | Micro\\-learning nudges | 1 |", "| 2 (tie) | Shadow a senior | 1 |"];
    const [download] = await Promise.all([fay.page.waitForEvent("download"), fay.page.getByRole("link", { name: "Download Markdown" }).click()]);
    expect(download.suggestedFilename()).toBe("onboarding-sprint-summary.md");
    const downloaded = await readFile((await download.path())!, "utf8");
    expect(downloaded).toContain("### Which ideas should we take forward?");
    expect(downloaded).toContain(["| Rank | Item | Dots |", "| ---: | --- | ---: |", ...rankingRows].join("\n"));
    // The same request as the browser's, for its headers.
    const res = await fay.page.request.get(`${summaryUrl}.md`);
    expect(res.status()).toBe(200);
    expect(res.headers()["content-disposition"]).toBe('attachment; filename="onboarding-sprint-summary.md"');
    expect(res.headers()["content-type"]).toBe("text/markdown; charset=utf-8");
    expect(await res.text()).toBe(downloaded);

    expectNoConsoleErrors(fay, { expectedStatuses: [400] });
    for (const p of [ana, ben]) expectNoConsoleErrors(p);
    // Three browsers and some forty live round trips: on a loaded machine this takes well over 30 s.
  }, 90_000);
});
