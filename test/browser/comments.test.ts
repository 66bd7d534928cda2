import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { addMember, createPrototype, createUser, createWorkspace, PASSWORD } from "../helpers/factories.js";
import { expectNoConsoleErrors, launchBrowser, logIn, newPerson, screenshot, waitForHydration, type WatchedPage } from "../helpers/browser.js";
import { eventually, storedDoc } from "../helpers/collab.js";
import { documentText } from "../../server/collab/text.js";

let app: TestServer;
let browser: Browser;
let url: string;
let docName: string;
const people: WatchedPage[] = [];
const emails = { leader: "", editor: "" };

beforeAll(async () => {
  app = await startTestServer();
  const owner = await createUser(app);
  const ws = await createWorkspace(app, owner.id);
  const proto = await createPrototype(app, ws.id, { title: "Coaching circles pilot", stage: "prototyping" });
  const leader = await createUser(app, { name: "Lena Leader" });
  const editor = await createUser(app, { name: "Eddie Editor" });
  await addMember(app, ws.id, leader.id, "commenter");
  await addMember(app, ws.id, editor.id, "editor");
  emails.leader = leader.email;
  emails.editor = editor.email;
  workspaceId = ws.id;
  url = `/w/${ws.id}/prototypes/${proto.id}`;
  docName = `prototype.${proto.id}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const p of people) await p.context.close().catch(() => {});
  await browser?.close();
  await app?.close();
});

let workspaceId: string;

async function open(who: keyof typeof emails, path = url): Promise<WatchedPage> {
  const person = await newPerson(browser, app.url);
  people.push(person);
  await logIn(person.page, emails[who], PASSWORD);
  await person.page.goto(path);
  await waitForHydration(person.page);
  await person.page.locator('.connection[data-state="connected"]').waitFor();
  return person;
}

async function typeAtEnd(person: WatchedPage, text: string) {
  await person.page.getByRole("textbox", { name: "Prototype document" }).click();
  await person.page.keyboard.press("Control+End");
  await person.page.keyboard.type(text);
}

/** Comments on a phrase through the panel's Comment button. */
async function commentOn(page: Page, phrase: string, body: string) {
  await selectPhrase(page, phrase);
  await expect
    .poll(async () => {
      await panel(page).getByRole("button", { name: "Comment" }).click();
      return page.getByRole("form", { name: "New comment" }).isVisible();
    })
    .toBe(true);
  const composer = page.getByRole("form", { name: "New comment" });
  await composer.getByLabel("Comment").fill(body);
  await composer.getByRole("button", { name: "Send comment" }).click();
  await composer.waitFor({ state: "detached" });
}

/** Selects a phrase of the document with the DOM selection, as a mouse drag would. */
async function selectPhrase(page: Page, phrase: string) {
  await page.evaluate((phrase) => {
    const root = document.getElementById("prototype-document");
    if (!root) throw new Error("no document");
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.textContent?.indexOf(phrase) ?? -1;
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + phrase.length);
      const selection = window.getSelection()!;
      selection.removeAllRanges();
      selection.addRange(range);
      return;
    }
    throw new Error(`"${phrase}" is not in the document`);
  }, phrase);
}

const panel = (page: Page) => page.getByRole("complementary", { name: "Comments" });

describe("comment threads", () => {
  it("a leader comments on a selection; an editor sees it live, replies with a mention; the leader's inbox leads back to the thread", async () => {
    const editor = await open("editor");
    const doc = editor.page.getByRole("textbox", { name: "Prototype document" });
    await doc.click();
    await editor.page.keyboard.press("Control+End");
    await editor.page.keyboard.type("Managers coach their teams weekly.");
    await app.collab.updateLog.flush();
    await eventually(async () => documentText(await storedDoc(app, docName)).includes("coach their teams weekly"), "the text is stored", 10_000);

    const leader = await open("leader");
    await expect.poll(() => leader.page.getByRole("textbox", { name: "Prototype document" }).innerText()).toContain("coach their teams");
    await selectPhrase(leader.page, "coach their teams");
    // The selection reaches the editor's state on selectionchange; the button reads it then.
    await expect
      .poll(async () => {
        await panel(leader.page).getByRole("button", { name: "Comment" }).click();
        return leader.page.getByRole("form", { name: "New comment" }).isVisible();
      })
      .toBe(true);
    const composer = leader.page.getByRole("form", { name: "New comment" });
    expect(await composer.locator("blockquote").innerText()).toBe("coach their teams");
    await composer.getByLabel("Comment").fill("Is weekly realistic? <b>x</b>");
    await composer.getByRole("button", { name: "Send comment" }).click();
    const leaderThreads = leader.page.getByRole("list", { name: "Open threads" });
    await expect.poll(() => leaderThreads.innerText().catch(() => "")).toContain("Is weekly realistic? <b>x</b>");
    await expect.poll(() => leader.page.locator(".comment-highlight").allInnerTexts()).toEqual(["coach their teams"]);

    // The editor's page was open all along: the highlight and the thread arrive live.
    await expect.poll(() => editor.page.locator(".comment-highlight").allInnerTexts(), { timeout: 10_000 }).toEqual(["coach their teams"]);
    const editorThreads = editor.page.getByRole("list", { name: "Open threads" });
    await expect.poll(() => editorThreads.innerText().catch(() => "")).toContain("Is weekly realistic? <b>x</b>");
    // Literal text, never markup.
    expect(await editorThreads.locator(".comment-body b").count()).toBe(0);
    expect(await editorThreads.innerText()).toContain("Lena Leader");

    // Clicking the highlight activates its thread (an editor keeps writing: the focus stays).
    await editor.page.locator(".comment-highlight").click();
    await expect.poll(() => editorThreads.locator(".thread-active .thread-quote").innerText().catch(() => "")).toBe("coach their teams");

    // A reply with a mention chosen from the autocomplete.
    const reply = editorThreads.getByRole("textbox", { name: "Reply" });
    await reply.click();
    await editor.page.keyboard.type("Yes for two teams, @Len");
    const option = editor.page.getByRole("listbox", { name: "Mention a member" }).getByRole("option", { name: "Lena Leader" });
    await option.waitFor();
    expect(await reply.getAttribute("aria-activedescendant")).toBe(await option.getAttribute("id"));
    await editor.page.keyboard.press("Enter");
    await expect.poll(() => reply.inputValue()).toMatch(/^Yes for two teams, @\[Lena Leader\]\([0-9a-f-]{36}\) $/);
    await editor.page.keyboard.type("can you confirm?");
    await editorThreads.getByRole("button", { name: "Send reply" }).click();
    await expect.poll(() => editorThreads.innerText()).toContain("Yes for two teams, @Lena Leader can you confirm?");
    expect(await editorThreads.locator(".mention").innerText()).toBe("@Lena Leader");
    await expect.poll(() => reply.inputValue()).toBe("");
    await screenshot(editor.page, "prototype-comments");

    // The leader sees the reply live and the unread count in the app shell.
    await expect.poll(() => leaderThreads.innerText(), { timeout: 10_000 }).toContain("can you confirm?");
    await expect.poll(() => leader.page.getByRole("link", { name: "Inbox 1 unread" }).count(), { timeout: 10_000 }).toBe(1);

    await leader.page.getByRole("link", { name: "Inbox 1 unread" }).click();
    await leader.page.waitForURL("**/inbox");
    await waitForHydration(leader.page);
    const items = leader.page.getByRole("list", { name: "Inbox items" });
    await screenshot(leader.page, "inbox");
    expect(await items.innerText()).toContain("Eddie Editor mentioned you on Coaching circles pilot");
    expect(await items.innerText()).toContain("@Lena Leader can you confirm?");
    await items.getByRole("button", { name: /Eddie Editor mentioned you/ }).click();
    await leader.page.waitForURL((u) => u.pathname === new URL(url, app.url).pathname && u.hash.startsWith("#thread-"));
    await waitForHydration(leader.page);
    const threadId = new URL(leader.page.url()).hash.slice("#thread-".length);
    await expect
      .poll(() => leader.page.evaluate(() => document.activeElement?.id ?? ""))
      .toBe(`thread-${threadId}`);
    expect(await leader.page.locator(`#thread-${threadId}`).innerText()).toContain("coach their teams");
    // Read now: the badge is gone.
    await expect.poll(() => leader.page.getByRole("link", { name: "Inbox", exact: true }).count()).toBe(1);

    // On any other page of the workspace the badge still follows the inbox live.
    await leader.page.goto(new URL(url, app.url).pathname.replace(/\/prototypes\/.*$/, "/prototypes"));
    await waitForHydration(leader.page);
    await leader.page.waitForTimeout(300); // the page's inbox stream connects
    await editorThreads.getByRole("textbox", { name: "Reply" }).fill("One more thing for the leader.");
    await editorThreads.getByRole("button", { name: "Send reply" }).click();
    await expect.poll(() => leader.page.getByRole("link", { name: "Inbox 1 unread" }).count(), { timeout: 10_000 }).toBe(1);

    expectNoConsoleErrors(leader);
    expectNoConsoleErrors(editor);
  });

  it("a thread follows its text as an editor types around it, shows detached with its quote once the text is deleted, and resolves", async () => {
    const proto = await app.services.prototypes.create({ workspaceId, input: { title: "Peer review pilot", stage: "idea", ownerId: null, goalId: null } });
    const path = `/w/${workspaceId}/prototypes/${proto.id}`;
    const editor = await open("editor", path);
    await typeAtEnd(editor, "Pair new hires with a buddy for a month.");
    const leader = await open("leader", path);
    await expect.poll(() => leader.page.getByRole("textbox", { name: "Prototype document" }).innerText()).toContain("with a buddy");
    // The keyboard way: select, then Ctrl+Alt+M opens the composer.
    await selectPhrase(leader.page, "with a buddy");
    const composer = leader.page.getByRole("form", { name: "New comment" });
    await expect
      .poll(async () => {
        await leader.page.keyboard.press("Control+Alt+M");
        return composer.isVisible();
      })
      .toBe(true);
    await expect.poll(() => leader.page.evaluate(() => document.activeElement?.tagName)).toBe("TEXTAREA");
    await leader.page.keyboard.type("Which buddy? Typo");
    await composer.getByRole("button", { name: "Send comment" }).click();
    await composer.waitFor({ state: "detached" });

    // Its author edits the comment, then adds and deletes a second one.
    const threads = leader.page.getByRole("list", { name: "Open threads" });
    await threads.getByRole("button", { name: "Edit" }).click();
    await threads.getByRole("textbox", { name: "Edit comment" }).fill("Which buddy?");
    await threads.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => threads.locator(".comment-body").allInnerTexts()).toEqual(["Which buddy?"]);
    expect(await threads.innerText()).toContain("(edited)");
    await threads.getByRole("textbox", { name: "Reply" }).fill("Never mind.");
    await threads.getByRole("button", { name: "Send reply" }).click();
    await expect.poll(() => threads.locator(".comment-body").allInnerTexts()).toEqual(["Which buddy?", "Never mind."]);
    leader.page.once("dialog", (dialog) => void dialog.accept());
    await threads.getByRole("button", { name: "Delete" }).nth(1).click();
    await expect.poll(() => threads.innerText()).toContain("This comment was deleted.");
    expect(await threads.locator(".comment-body").allInnerTexts()).toEqual(["Which buddy?"]);
    await expect.poll(() => editor.page.locator(".comment-highlight").allInnerTexts(), { timeout: 10_000 }).toEqual(["with a buddy"]);

    // Text typed right before and right after the commented words stays outside the range.
    // The paragraph being commented on (the template above it has checkboxes and cards to miss).
    const line = editor.page.locator("#prototype-document p", { hasText: "Pair new hires" });
    await line.click();
    await editor.page.keyboard.press("Home");
    for (let i = 0; i < "Pair new hires ".length; i++) await editor.page.keyboard.press("ArrowRight");
    await editor.page.keyboard.type("soon ");
    for (let i = 0; i < "with a buddy".length; i++) await editor.page.keyboard.press("ArrowRight");
    await editor.page.keyboard.type(" nearby");
    // Carets are DOM in the editor: compare the server's copy of the document.
    const docName = `prototype.${proto.id}`;
    await eventually(
      async () => {
        await app.collab.updateLog.flush();
        return documentText(await storedDoc(app, docName)).includes("Pair new hires soon with a buddy nearby for a month.");
      },
      "the edits around the range are stored",
      10_000,
    );
    await expect.poll(() => leader.page.locator(".comment-highlight").allInnerTexts(), { timeout: 10_000 }).toEqual(["with a buddy"]);
    expect(await editor.page.locator(".comment-highlight").allInnerTexts()).toEqual(["with a buddy"]);

    // Text typed elsewhere before the range moves it; the highlight stays on the same words for both.
    const doc = editor.page.getByRole("textbox", { name: "Prototype document" });
    await doc.click();
    await editor.page.keyboard.press("Control+Home");
    await editor.page.keyboard.type("Always ");
    await expect.poll(() => leader.page.locator(".comment-highlight").allInnerTexts(), { timeout: 10_000 }).toEqual(["with a buddy"]);
    expect(await editor.page.locator(".comment-highlight").allInnerTexts()).toEqual(["with a buddy"]);

    // The editor deletes the line with the commented words: the thread is detached, with its quote, for both.
    await line.click();
    await editor.page.keyboard.press("End");
    await editor.page.keyboard.press("Shift+Home");
    await editor.page.keyboard.press("Backspace");
    for (const person of [editor, leader]) {
      const detached = person.page.getByRole("list", { name: "Detached threads" });
      await expect.poll(() => detached.innerText().catch(() => ""), { timeout: 10_000 }).toContain("with a buddy");
      expect(await detached.innerText()).toContain("Which buddy?");
      expect(await person.page.locator(".comment-highlight").count()).toBe(0);
    }

    // The thread's author (a commenter) resolves it; it folds into the resolved group for everyone.
    await leader.page.getByRole("list", { name: "Detached threads" }).getByRole("button", { name: "Resolve" }).click();
    await expect.poll(() => editor.page.locator("details.thread-group summary").innerText().catch(() => ""), { timeout: 10_000 }).toBe("Resolved (1)");
    expect(await editor.page.getByRole("list", { name: "Resolved threads" }).isVisible()).toBe(false);

    expectNoConsoleErrors(leader);
    expectNoConsoleErrors(editor);
  }, 60_000);
});

/**
 * Where a thread's card and its highlight are, by the thread's quote: px below the top of the
 * document's card, so scrolling (and the browser's scroll anchoring) doesn't change the numbers.
 */
async function placement(page: Page, quote: string) {
  return page.evaluate((quote) => {
    const origin = document.querySelector(".document-card")!.getBoundingClientRect().top;
    const highlight = Array.from(document.querySelectorAll<HTMLElement>("#prototype-document .comment-highlight")).find((el) => el.textContent === quote);
    const card = Array.from(document.querySelectorAll<HTMLElement>('ol[aria-label="Open threads"] > li')).find((li) => li.querySelector(".thread-quote")?.textContent === quote);
    if (!highlight || !card) return null;
    const h = highlight.getBoundingClientRect();
    const c = card.getBoundingClientRect();
    return { highlight: h.top - origin, card: c.top - origin, bottom: c.bottom - origin };
  }, quote);
}

/** Polls until a thread's card sits within 3 px of its highlight's top; returns where both are. */
async function aligned(page: Page, quote: string) {
  await expect
    .poll(async () => {
      const at = await placement(page, quote);
      return at ? Math.abs(at.card - at.highlight) : Number.POSITIVE_INFINITY;
    }, { timeout: 10_000 })
    .toBeLessThanOrEqual(3);
  return (await placement(page, quote))!;
}

describe("thread cards beside the document", () => {
  it("sit at the height of their text, follow remote edits above it, never overlap, and fall back to a plain list on narrow screens", async () => {
    const proto = await app.services.prototypes.create({ workspaceId, input: { title: "Aligned comments pilot", stage: "idea", ownerId: null, goalId: null } });
    const path = `/w/${workspaceId}/prototypes/${proto.id}`;
    const editor = await open("editor", path);
    await editor.page.locator('.editor[data-synced="true"]').waitFor();
    await editor.page.getByRole("textbox", { name: "Prototype document" }).click();
    await editor.page.keyboard.press("Control+End");
    const line = async (text: string) => {
      await editor.page.keyboard.press("Enter");
      await editor.page.keyboard.type(text);
    };
    await line("Alpha anchor starts the long part.");
    for (let i = 1; i <= 25; i++) await line(`Filler line ${i}.`);
    await line("Omega anchor sits far below.");
    for (let i = 26; i <= 40; i++) await line(`Filler line ${i}.`);
    await line("Gamma one and Gamma two share a line.");
    for (let i = 41; i <= 45; i++) await line(`Filler line ${i}.`);

    const leader = await open("leader", path);
    await expect.poll(() => leader.page.getByRole("textbox", { name: "Prototype document" }).innerText(), { timeout: 10_000 }).toContain("Filler line 45.");
    await commentOn(leader.page, "Alpha anchor", "Start here?");
    await commentOn(leader.page, "Omega anchor", "And here.");
    const threads = leader.page.getByRole("list", { name: "Open threads" });
    await expect.poll(() => threads.locator(":scope > li").count()).toBe(2);
    expect(await threads.getAttribute("class")).toContain("thread-list-aligned");

    // Far apart in the text, far apart beside it: each card at the top of its highlight.
    const alpha = await aligned(leader.page, "Alpha anchor");
    const omega = await aligned(leader.page, "Omega anchor");
    expect(omega.card - alpha.card).toBeGreaterThan(500);
    await screenshot(leader.page, "comments-aligned");

    // Another person adds paragraphs above the second anchor: its card moves down with its text.
    // The caret goes to the end of "Filler line 20." (the editor takes a new selection on the next
    // selectionchange: let it land before each key).
    await selectPhrase(editor.page, "Filler line 20.");
    await editor.page.waitForTimeout(150);
    await editor.page.keyboard.press("End");
    await editor.page.waitForTimeout(150);
    for (let i = 1; i <= 6; i++) await line(`Inserted paragraph ${i}.`);
    await expect
      .poll(
        async () => {
          await app.collab.updateLog.flush();
          const text = documentText(await storedDoc(app, `prototype.${proto.id}`));
          const at = (phrase: string) => text.indexOf(phrase);
          // The document itself when they aren't there yet (it says where they went).
          return at("Filler line 20.\nInserted paragraph 1.") >= 0 && at("Inserted paragraph 6.") < at("Omega anchor") ? "stored above the second anchor" : text;
        },
        { timeout: 10_000 },
      )
      .toBe("stored above the second anchor");
    await expect.poll(async () => (await placement(leader.page, "Omega anchor"))?.highlight ?? 0, { timeout: 10_000 }).toBeGreaterThan(omega.highlight + 150);
    const moved = await aligned(leader.page, "Omega anchor");
    expect(moved.card).toBeGreaterThan(omega.card + 150);
    // The first one stays put, still beside its text.
    expect(Math.abs((await aligned(leader.page, "Alpha anchor")).card - alpha.card)).toBeLessThanOrEqual(3);

    // Two threads on the same line: stacked, in document order, without overlapping; the newest
    // (active) one keeps the line's height and the other one makes room above it.
    await commentOn(leader.page, "Gamma one", "First on this line.");
    await commentOn(leader.page, "Gamma two", "Second on this line.");
    await expect.poll(() => threads.locator(":scope > li").count()).toBe(4);
    const second = await aligned(leader.page, "Gamma two");
    const first = (await placement(leader.page, "Gamma one"))!;
    expect(first.highlight).toBeCloseTo(second.highlight, 0);
    expect(first.bottom).toBeLessThanOrEqual(second.card);
    // DOM order (what keyboards and screen readers follow) stays document order.
    expect(await threads.locator(".thread-quote").allInnerTexts()).toEqual(["Alpha anchor", "Omega anchor", "Gamma one", "Gamma two"]);
    // Clicking the first one's highlight makes it the active one: now it takes the line, the other goes below.
    await leader.page.locator(".comment-highlight", { hasText: "Gamma one" }).click();
    const firstActive = await aligned(leader.page, "Gamma one");
    await expect.poll(async () => (await placement(leader.page, "Gamma two"))!.card).toBeGreaterThanOrEqual(firstActive.bottom);

    // Narrow screen: the panel is below the document, a plain list in document order.
    await leader.page.setViewportSize({ width: 800, height: 900 });
    await expect.poll(() => threads.getAttribute("class")).toBe("thread-list");
    expect(await threads.locator(":scope > li").evaluateAll((items) => items.map((li) => (li as HTMLElement).style.transform))).toEqual(["", "", "", ""]);
    expect(await threads.evaluate((el) => (el as HTMLElement).style.height)).toBe("");
    const tops = await threads.locator(":scope > li").evaluateAll((items) => items.map((li) => li.getBoundingClientRect().top));
    expect([...tops].sort((a, b) => a - b)).toEqual(tops);
    // And back beside the document, aligned again.
    await leader.page.setViewportSize({ width: 1280, height: 720 });
    await aligned(leader.page, "Omega anchor");
    // Cards glide to new places, unless the person asked for less motion.
    const transition = () => threads.locator(":scope > li").first().evaluate((li) => getComputedStyle(li).transitionDuration);
    await expect.poll(transition).toBe("0.16s");
    await leader.page.emulateMedia({ reducedMotion: "reduce" });
    await expect.poll(transition).toBe("0s");

    expectNoConsoleErrors(leader);
    expectNoConsoleErrors(editor);
  }, 90_000);
});
