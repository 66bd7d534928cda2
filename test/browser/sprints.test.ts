/**
 * A sprint room in three browsers (a facilitator and two participants, each in their own context):
 * phase changes and the shared timer reach everyone with the same remaining time, ideas appear
 * live on every board, and locking the ideas turns the participants' boards read-only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { addMember, createPrototype, createUser, createWorkspace } from "../helpers/factories.js";
import { expectNoConsoleErrors, launchBrowser, newPerson, signInAs, waitForHydration, type WatchedPage } from "../helpers/browser.js";
import { storedDoc } from "../helpers/collab.js";
import { readIdeas } from "../../app/lib/sprints/ideas.js";

let app: TestServer;
let browser: Browser;
let roomUrl: string;
let sprintId: string;
const people: WatchedPage[] = [];
const users = {} as Record<"facilitator" | "pia" | "cal", { id: string; name: string }>;

beforeAll(async () => {
  app = await startTestServer();
  const owner = await createUser(app);
  const ws = await createWorkspace(app, owner.id);
  const prototype = await createPrototype(app, ws.id, { title: "Coaching circles pilot" });
  users.facilitator = await createUser(app, { name: "Fay Facilitator" });
  users.pia = await createUser(app, { name: "Pia Participant" });
  users.cal = await createUser(app, { name: "Cal Commenter" });
  await addMember(app, ws.id, users.facilitator.id, "facilitator");
  await addMember(app, ws.id, users.pia.id, "editor");
  await addMember(app, ws.id, users.cal.id, "commenter");
  sprintId = (
    await app.services.sprints.create({
      workspaceId: ws.id,
      userId: users.facilitator.id,
      input: {
        name: "Onboarding sprint",
        challenge: "How might new managers give feedback in their first month?",
        goal: "Three ideas worth testing",
        prototypeIds: [prototype.id],
        participantIds: [users.pia.id, users.cal.id],
      },
    })
  ).id;
  roomUrl = `/w/${ws.id}/sprints/${sprintId}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const p of people) await p.context.close().catch(() => {});
  await browser?.close();
  await app?.close();
});

async function enter(who: keyof typeof users): Promise<WatchedPage> {
  const person = await newPerson(browser, app.url);
  people.push(person);
  await signInAs(person, app, users[who].id);
  await person.page.goto(roomUrl);
  await waitForHydration(person.page);
  // The ideas connection lives in its (maybe hidden) tab from the start.
  await person.page.locator('.connection[data-state="connected"]').waitFor({ state: "attached" });
  await person.page.locator('.sprint-room[data-live="live"]').waitFor();
  return person;
}

const heading = (person: WatchedPage) => person.page.locator("#sprint-phase-heading").innerText();
const remainingMs = (person: WatchedPage) => person.page.locator(".sprint-timer").getAttribute("data-remaining-ms").then(Number);
const ideaBox = (person: WatchedPage, author: string) => person.page.getByLabel(`Idea by ${author}`);

describe("a sprint room with a facilitator and two participants", () => {
  it("phase, timer, live ideas and the ideas lock reach everyone", async () => {
    const facilitator = await enter("facilitator");
    const pia = await enter("pia");
    const cal = await enter("cal");
    const everyone = [facilitator, pia, cal];
    for (const p of everyone) expect(await heading(p)).toContain("Phase 1 of 5: Map");
    // Participants get no controls.
    expect(await pia.page.getByRole("group", { name: "Facilitator controls" }).count()).toBe(0);

    // Next phase: every room follows and opens the ideas board.
    await facilitator.page.getByRole("button", { name: "Next phase: Sketch" }).click();
    for (const p of everyone) {
      await expect.poll(() => heading(p)).toContain("Phase 2 of 5: Sketch");
      await expect.poll(() => p.page.getByRole("tab", { name: /Ideas/ }).getAttribute("aria-selected")).toBe("true");
      await expect.poll(() => p.page.getByRole("timer").innerText()).toBe("20:00");
    }

    // The timer runs for everyone, showing the same remaining time.
    await facilitator.page.getByRole("button", { name: "Start timer" }).click();
    for (const p of everyone) await expect.poll(() => p.page.locator(".sprint-timer").getAttribute("data-running")).toBe("true");
    await expect.poll(() => remainingMs(cal)).toBeLessThan(20 * 60_000 - 1000);
    const shown = await Promise.all(everyone.map(remainingMs));
    expect(Math.max(...shown) - Math.min(...shown)).toBeLessThanOrEqual(2000);
    expect(Math.min(...shown)).toBeGreaterThan(15 * 60_000);

    // Pause: every clock stops on the same time.
    await facilitator.page.getByRole("button", { name: "Pause timer" }).click();
    for (const p of everyone) await expect.poll(() => p.page.locator(".sprint-timer").getAttribute("data-running")).toBe("false");
    const paused = await Promise.all(everyone.map(remainingMs));
    expect(new Set(paused).size).toBe(1);

    // A participant adds an idea; the other participant and the facilitator see it live.
    await pia.page.getByLabel("New idea").fill("Buddy lunches for new managers");
    await pia.page.getByRole("button", { name: "Add idea" }).click();
    for (const p of [cal, facilitator]) await expect.poll(() => ideaBox(p, "Pia Participant").inputValue()).toBe("Buddy lunches for new managers");
    // Co-edited text: Cal adds to Pia's note, Pia sees it.
    await ideaBox(cal, "Pia Participant").click();
    await cal.page.keyboard.press("End");
    await cal.page.keyboard.type(" in week two");
    await expect.poll(() => ideaBox(pia, "Pia Participant").inputValue()).toBe("Buddy lunches for new managers in week two");
    await expect
      .poll(async () => readIdeas(await storedDoc(app, `sprint.${sprintId}`)).map((i) => i.text))
      .toEqual(["Buddy lunches for new managers in week two"]);

    // "Bring everyone here": a participant who wandered to another tab is brought back to the phase's view.
    await cal.page.getByRole("tab", { name: /Challenge/ }).click();
    await expect.poll(() => cal.page.getByRole("tab", { name: /Challenge/ }).getAttribute("aria-selected")).toBe("true");
    await facilitator.page.getByRole("button", { name: "Bring everyone here" }).click();
    await expect.poll(() => cal.page.getByRole("tab", { name: /Ideas/ }).getAttribute("aria-selected")).toBe("true");
    await cal.page.getByText("The facilitator brought everyone to phase 2: Sketch.").waitFor({ state: "attached" });

    // Lock: the participants' boards turn read-only with an explanation; the facilitator keeps editing.
    await facilitator.page.getByRole("button", { name: "Lock ideas" }).click();
    for (const p of [pia, cal]) {
      await p.page.getByText("The facilitator has locked the ideas").waitFor();
      await expect.poll(() => ideaBox(p, "Pia Participant").getAttribute("readonly")).not.toBeNull();
      expect(await p.page.getByRole("button", { name: "Add idea" }).count()).toBe(0);
    }
    expect(await facilitator.page.getByRole("button", { name: "Add idea" }).count()).toBe(1);
    await facilitator.page.getByRole("button", { name: "Unlock ideas" }).waitFor();

    // One step from idea to prototype: everyone's board links the new prototype.
    await facilitator.page.getByRole("button", { name: "Make a prototype from “Buddy lunches for new managers in week two”" }).click();
    for (const p of everyone) await p.page.getByRole("link", { name: "Prototype: Buddy lunches for new managers in week two" }).waitFor();

    for (const p of everyone) expectNoConsoleErrors(p);
  });
});
