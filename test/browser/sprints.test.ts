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
import { readClusters, readIdeas } from "../../app/lib/sprints/ideas.js";

let app: TestServer;
let browser: Browser;
let roomUrl: string;
let sprintId: string;
let workspaceId: string;
const people: WatchedPage[] = [];
/**
 * Live changes travel click → server → event stream → reload of the room; on a loaded machine (CI
 * runs every suite at once) that takes well over expect.poll's default second.
 */
const SOON = { timeout: 10_000 };
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
  workspaceId = ws.id;
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
      await expect.poll(() => heading(p), SOON).toContain("Phase 2 of 5: Sketch");
      await expect.poll(() => p.page.getByRole("tab", { name: /Ideas/ }).getAttribute("aria-selected"), SOON).toBe("true");
      await expect.poll(() => p.page.getByRole("timer").innerText(), SOON).toBe("20:00");
    }

    // The timer runs for everyone, showing the same remaining time.
    await facilitator.page.getByRole("button", { name: "Start timer" }).click();
    for (const p of everyone) await expect.poll(() => p.page.locator(".sprint-timer").getAttribute("data-running"), SOON).toBe("true");
    await expect.poll(() => remainingMs(cal), SOON).toBeLessThan(20 * 60_000 - 1000);
    const shown = await Promise.all(everyone.map(remainingMs));
    expect(Math.max(...shown) - Math.min(...shown)).toBeLessThanOrEqual(2000);
    expect(Math.min(...shown)).toBeGreaterThan(15 * 60_000);

    // Pause: every clock stops on the same time.
    await facilitator.page.getByRole("button", { name: "Pause timer" }).click();
    for (const p of everyone) await expect.poll(() => p.page.locator(".sprint-timer").getAttribute("data-running"), SOON).toBe("false");
    const paused = await Promise.all(everyone.map(remainingMs));
    expect(new Set(paused).size).toBe(1);

    // A participant adds an idea; the other participant and the facilitator see it live.
    await pia.page.getByLabel("New idea").fill("Buddy lunches for new managers");
    await pia.page.getByRole("button", { name: "Add idea" }).click();
    for (const p of [cal, facilitator]) await expect.poll(() => ideaBox(p, "Pia Participant").inputValue(), SOON).toBe("Buddy lunches for new managers");
    // Co-edited text: Cal adds to Pia's note, Pia sees it.
    await ideaBox(cal, "Pia Participant").click();
    await cal.page.keyboard.press("End");
    await cal.page.keyboard.type(" in week two");
    await expect.poll(() => ideaBox(pia, "Pia Participant").inputValue(), SOON).toBe("Buddy lunches for new managers in week two");
    await expect
      .poll(async () => readIdeas(await storedDoc(app, `sprint.${sprintId}`)).map((i) => i.text), SOON)
      .toEqual(["Buddy lunches for new managers in week two"]);

    // "Bring everyone here": a participant who wandered to another tab is brought back to the phase's view.
    await cal.page.getByRole("tab", { name: /Challenge/ }).click();
    await expect.poll(() => cal.page.getByRole("tab", { name: /Challenge/ }).getAttribute("aria-selected"), SOON).toBe("true");
    await facilitator.page.getByRole("button", { name: "Bring everyone here" }).click();
    await expect.poll(() => cal.page.getByRole("tab", { name: /Ideas/ }).getAttribute("aria-selected"), SOON).toBe("true");
    await cal.page.getByText("The facilitator brought everyone to phase 2: Sketch.").waitFor({ state: "attached" });

    // Lock: the participants' boards turn read-only with an explanation; the facilitator keeps editing.
    await facilitator.page.getByRole("button", { name: "Lock ideas" }).click();
    for (const p of [pia, cal]) {
      await p.page.getByText("The facilitator has locked the ideas").waitFor();
      await expect.poll(() => ideaBox(p, "Pia Participant").getAttribute("readonly"), SOON).not.toBeNull();
      expect(await p.page.getByRole("button", { name: "Add idea" }).count()).toBe(0);
    }
    expect(await facilitator.page.getByRole("button", { name: "Add idea" }).count()).toBe(1);
    await facilitator.page.getByRole("button", { name: "Unlock ideas" }).waitFor();

    // One step from idea to prototype: everyone's board links the new prototype.
    await facilitator.page.getByRole("button", { name: "Make a prototype from “Buddy lunches for new managers in week two”" }).click();
    for (const p of everyone) await p.page.getByRole("link", { name: "Prototype: Buddy lunches for new managers in week two" }).waitFor();

    for (const p of everyone) expectNoConsoleErrors(p);
    // Three browsers and some forty live round trips: on a loaded machine this takes well over 30 s.
  }, 90_000);

  it("a change made between a room's load and its event stream's opening still reaches the page", async () => {
    const person = await newPerson(browser, app.url);
    people.push(person);
    await signInAs(person, app, users.pia.id);
    // The facilitator moves on after Pia's page has loaded, before its stream is open: no event reaches her.
    let moved = false;
    await person.page.route("**/events", async (route) => {
      if (!moved) {
        moved = true;
        await app.services.sprints.goToPhase({ sprintId, workspaceId, userId: users.facilitator.id }, 2);
      }
      await route.continue();
    });
    const page = await person.page.goto(roomUrl);
    expect(await page?.text()).toContain("Phase 2 of 5: Sketch");
    await waitForHydration(person.page);
    // The stream's first event (the room's version) tells the page its data is older.
    await expect.poll(() => heading(person), SOON).toContain("Phase 3 of 5: Decide");
    expect(moved).toBe(true);
    expectNoConsoleErrors(person);
  });

  it("a timer that has run out offers Restart, which gives everyone the phase's full time again", async () => {
    // The phase's time was used up (as if its minutes had passed while it ran).
    await app.db.sql`update sprints set timer_used_ms = timer_duration_ms, timer_running_since = null where id = ${sprintId}`;
    const [{ phaseMs }] = await app.db.sql<{ phaseMs: number }[]>`
      select p.duration_seconds * 1000 as "phaseMs" from sprints s join sprint_phases p on p.sprint_id = s.id and p.position = s.current_phase
      where s.id = ${sprintId}`;
    const facilitator = await enter("facilitator");
    const pia = await enter("pia");
    for (const p of [facilitator, pia]) {
      expect(await p.page.locator(".sprint-timer-state").textContent()).toBe("Time's up");
      expect(await remainingMs(p)).toBe(0);
    }
    expect(await facilitator.page.getByRole("button", { name: "Start timer", exact: true }).count()).toBe(0);
    await facilitator.page.getByRole("button", { name: "Restart timer from the phase's full time" }).click();
    for (const p of [facilitator, pia]) {
      await expect.poll(() => p.page.locator(".sprint-timer").getAttribute("data-running"), SOON).toBe("true");
      await expect.poll(() => remainingMs(p), SOON).toBeGreaterThan(Number(phaseMs) - 60_000);
      expect(await remainingMs(p)).toBeLessThanOrEqual(Number(phaseMs));
    }
    // Running again: the facilitator's control is Pause.
    await facilitator.page.getByRole("button", { name: "Pause timer" }).waitFor();
    for (const p of [facilitator, pia]) expectNoConsoleErrors(p);
  }, 60_000);

  it("clusters are renamed and deleted live on every board; a deleted cluster's ideas go back to no cluster", async () => {
    const facilitator = await enter("facilitator");
    const cal = await enter("cal");
    for (const p of [facilitator, cal]) await p.page.getByRole("tab", { name: /Ideas/ }).click();
    const clusterSelect = (p: WatchedPage) => p.page.locator(".idea").filter({ has: ideaBox(p, "Pia Participant") }).getByLabel("Cluster");
    const selectedCluster = (p: WatchedPage) => clusterSelect(p).evaluate((el: HTMLSelectElement) => el.selectedOptions[0]?.text ?? "");

    await facilitator.page.getByLabel("New cluster").fill("Peer learning");
    await facilitator.page.getByRole("button", { name: "Add cluster" }).click();
    await clusterSelect(facilitator).selectOption({ label: "Peer learning" });
    await expect.poll(() => selectedCluster(cal), SOON).toBe("Peer learning");
    await cal.page.getByRole("region", { name: "Peer learning" }).waitFor();

    // Rename with the keyboard: the field takes the focus, an empty name is refused, Enter saves.
    await facilitator.page.getByRole("button", { name: "Rename cluster “Peer learning”" }).click();
    const nameField = facilitator.page.getByLabel("Cluster name");
    expect(await nameField.evaluate((el) => el === document.activeElement)).toBe(true);
    await nameField.fill("  ");
    await nameField.press("Enter");
    await facilitator.page.getByRole("alert").filter({ hasText: "Give the cluster a name." }).waitFor();
    expect(await nameField.getAttribute("aria-invalid")).toBe("true");
    await nameField.fill("Learning from peers");
    await nameField.press("Enter");
    await cal.page.getByRole("region", { name: "Learning from peers" }).waitFor();
    await expect.poll(() => selectedCluster(cal), SOON).toBe("Learning from peers");
    // The focus is back on the renamed cluster's "Rename".
    await expect.poll(() => facilitator.page.evaluate(() => document.activeElement?.getAttribute("aria-label")), SOON).toBe("Rename cluster “Learning from peers”");
    // Escape cancels a rename.
    await facilitator.page.getByRole("button", { name: "Rename cluster “Learning from peers”" }).click();
    await nameField.fill("Never saved");
    await nameField.press("Escape");
    expect(await nameField.count()).toBe(0);

    // Delete: the cluster goes from both boards, its idea stays, in no cluster.
    await facilitator.page.getByRole("button", { name: "Delete cluster “Learning from peers”" }).click();
    await facilitator.page.getByText("Cluster “Learning from peers” deleted; its idea is in no cluster now.").waitFor({ state: "attached" });
    await expect.poll(() => cal.page.getByRole("region", { name: "Learning from peers" }).count(), SOON).toBe(0);
    await expect.poll(() => selectedCluster(cal), SOON).toBe("No cluster");
    expect(await ideaBox(cal, "Pia Participant").inputValue()).toBe("Buddy lunches for new managers in week two");
    await expect
      .poll(async () => {
        const doc = await storedDoc(app, `sprint.${sprintId}`);
        return { clusters: readClusters(doc).length, ideas: readIdeas(doc).map((i) => [i.text, i.clusterId]) };
      }, SOON)
      .toEqual({ clusters: 0, ideas: [["Buddy lunches for new managers in week two", null]] });
    for (const p of [facilitator, cal]) expectNoConsoleErrors(p);
  }, 60_000);
});
