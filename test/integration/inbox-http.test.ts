/** The inbox over HTTP: the unread count in the app shell, opening an item, marking all read. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { location, pageText, type HttpClient } from "../helpers/http.js";
import { createPrototype, createUser, createWorkspace, loginClient, memberClient } from "../helpers/factories.js";
import { anchorRange, encodeAnchor } from "../../app/lib/comments/anchors.js";
import { mentionToken } from "../../app/lib/comments/mentions.js";

let app: TestServer;
let ws: { id: string };
let prototypeId: string;
let leader: { user: { id: string }; client: HttpClient };
let editor: { user: { id: string }; client: HttpClient };
let outsider: HttpClient;

beforeAll(async () => {
  app = await startTestServer();
  const owner = await createUser(app);
  ws = await createWorkspace(app, owner.id);
  prototypeId = (await createPrototype(app, ws.id, { title: "Coaching circles" })).id;
  leader = await memberClient(app, ws.id, "commenter");
  editor = await memberClient(app, ws.id, "editor");
  const other = await createUser(app);
  outsider = await loginClient(app, other.email);
});
afterAll(async () => {
  await app?.close();
});

const commentsPath = () => `/w/${ws.id}/prototypes/${prototypeId}/comments`;

function anchor() {
  const doc = new Y.Doc();
  const text = doc.getText("t");
  text.insert(0, "Managers coach their teams weekly");
  const { start, end } = anchorRange(text, 9, 26);
  return { anchorStart: encodeAnchor(start), anchorEnd: encodeAnchor(end), quote: "coach their teams" };
}

async function post(client: HttpClient, form: Record<string, string>) {
  const res = await client.post(commentsPath(), form);
  expect(res.status).toBe(200);
  return (await res.json()) as { threadId: string; commentId: string };
}

/** The shell's accessible label for the inbox link. */
async function inboxLabel(client: HttpClient): Promise<string | null> {
  const html = await pageText(await client.get(`/w/${ws.id}/prototypes`));
  // The link's accessible name: its text, the visually hidden part included.
  const link = /<a [^>]*href="\/inbox"[^>]*>([\s\S]*?)<\/a>/.exec(html)?.[1];
  return link === undefined ? null : link.replace(/<!--.*?-->/g, "").replace(/<[^>]+>/g, "").replace(/\s+/g, " ").trim();
}

describe("the inbox", () => {
  it("counts a reply and a mention as unread in the app shell, lists them newest first, and marks all read", async () => {
    expect(await inboxLabel(leader.client)).toBe("Inbox");
    const { threadId } = await post(leader.client, { intent: "thread", body: "Is weekly realistic?", ...anchor() });
    await post(editor.client, { intent: "reply", threadId, body: "Yes, for two teams." });
    await post(editor.client, { intent: "reply", threadId, body: `${mentionToken({ id: leader.user.id, name: "Lena" })} see <b>this</b>` });
    expect(await inboxLabel(leader.client)).toBe("Inbox 2 unread");

    const inbox = await leader.client.get("/inbox");
    expect(inbox.status).toBe(200);
    const html = await inbox.text();
    // Bodies are text: the markup shows escaped, never as elements.
    expect(html).toContain("&lt;b&gt;this&lt;/b&gt;");
    expect(html).not.toContain("<b>this</b>");
    const text = await pageText(new Response(html));
    expect(text).toContain("2 unread");
    expect(text.indexOf("mentioned you")).toBeLessThan(text.indexOf("replied to your thread"));
    expect(text).toContain("Coaching circles");

    const res = await leader.client.post("/inbox", { intent: "readAll" });
    expect(res.status).toBe(200);
    expect(await inboxLabel(leader.client)).toBe("Inbox");
    expect(await pageText(await leader.client.get("/inbox"))).toContain("Nothing unread");
  });

  it("opening an item marks only it read and goes to its thread", async () => {
    const { threadId } = await post(leader.client, { intent: "thread", body: "Which teams?", ...anchor() });
    await post(editor.client, { intent: "reply", threadId, body: "Lisbon ones." });
    await post(editor.client, { intent: "reply", threadId, body: "And Porto." });
    const items = await app.services.comments.inbox({ userId: leader.user.id });
    const unread = items.filter((i) => !i.readAt);
    expect(unread).toHaveLength(2);

    const res = await leader.client.post("/inbox", { intent: "open", itemId: unread[0].id });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/w/${ws.id}/prototypes/${prototypeId}#thread-${threadId}`);
    expect(location(res)).toBe(`/w/${ws.id}/prototypes/${prototypeId}`);
    expect(await app.services.comments.unreadCount(leader.user.id)).toBe(1);
    expect(await inboxLabel(leader.client)).toBe("Inbox 1 unread");
  });

  it("refuses to open someone else's item and changes nothing", async () => {
    const { threadId } = await post(leader.client, { intent: "thread", body: "Budget?", ...anchor() });
    await post(editor.client, { intent: "reply", threadId, body: "Approved." });
    const [item] = (await app.services.comments.inbox({ userId: leader.user.id })).filter((i) => !i.readAt);
    const before = await app.services.comments.unreadCount(leader.user.id);

    const res = await outsider.post("/inbox", { intent: "open", itemId: item.id });
    expect(res.status).toBe(404);
    expect(await app.services.comments.unreadCount(leader.user.id)).toBe(before);
    expect((await outsider.post("/inbox", { intent: "nonsense" })).status).toBe(400);
  });

  it("sends a signed-out visitor to the login page", async () => {
    const { HttpClient } = await import("../helpers/http.js");
    const res = await new HttpClient(app.url).get("/inbox");
    expect(res.status).toBe(302);
    expect(location(res)).toBe("/login?redirectTo=%2Finbox");
  });

  it("the inbox stream announces a new mention or reply to that person only, and needs a session", async () => {
    const abort = new AbortController();
    const res = await leader.client.request("/inbox/events", { signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const until = async (text: string) => {
      const deadline = Date.now() + 10_000;
      while (!buffer.includes(text)) {
        if (Date.now() > deadline) throw new Error(`no "${text}" in: ${buffer}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended; got: ${buffer}`);
        buffer += decoder.decode(value, { stream: true });
      }
    };
    await until(": connected");
    // The leader's own thread notifies nobody; the editor's reply notifies the leader.
    const { threadId } = await post(leader.client, { intent: "thread", body: "Another question", ...anchor() });
    await post(editor.client, { intent: "reply", threadId, body: "An answer" });
    await until("event: inbox");
    expect(buffer.match(/event: inbox/g)).toHaveLength(1);
    abort.abort();
    await reader.cancel().catch(() => {});
    const anonymous = await new (await import("../helpers/http.js")).HttpClient(app.url).get("/inbox/events");
    expect(anonymous.status).toBe(302);
  });
});
