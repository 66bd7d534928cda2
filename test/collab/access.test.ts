/**
 * Open collaboration connections follow access changes at once: a role change, a removal, an
 * archived prototype, a sign-out and an expired session act on the live socket, not only on the
 * next reconnect.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { loginClient, memberClient } from "../helpers/factories.js";
import { connectProvider, eventually, synced, type CollabClient } from "../helpers/collab.js";
import { newPrototype, RawClient, syncUpdateMessage, textUpdate } from "./support.js";
import { CloseCode } from "../../server/collab/constants.js";

let app: TestServer;
const open: { destroy(): void }[] = [];
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  for (const c of open) c.destroy();
  await app?.close();
});

const sessionId = (cookie: string) => createHash("sha256").update(cookie.match(/pilotlab_session=([^;]+)/)![1]).digest("hex");
const serverText = (docName: string) => app.collab.registry.loaded(docName)?.doc.getText("t").toString() ?? "";

/** A provider that records the close codes the server sent it. */
function tracked(c: CollabClient) {
  const codes: number[] = [];
  c.provider.on("connection-close", (event: CloseEvent | null) => {
    if (event) codes.push(event.code);
  });
  open.push(c);
  return codes;
}

describe("live connections follow access changes", () => {
  it("a role change to viewer reconnects the editor read-only; back to editor makes it writable", async () => {
    const { workspace, docName } = await newPrototype(app);
    const editor = await memberClient(app, workspace.id, "editor");
    const c = connectProvider(app, editor.client, docName);
    const codes = tracked(c);
    await synced(c.provider);
    c.doc.getText("t").insert(0, "before ");
    await eventually(() => serverText(docName).includes("before"), "first edit applied");

    await app.services.workspaces.changeRole({ workspaceId: workspace.id, userId: editor.user.id, role: "viewer" });
    await eventually(() => codes.includes(CloseCode.AccessChanged), "closed with access-changed");
    await eventually(() => c.provider.synced, "reconnected");
    c.doc.getText("t").insert(0, "as-viewer ");
    // Another write after the refused one proves the server has processed it.
    const owner = await memberClient(app, workspace.id, "editor");
    const o = connectProvider(app, owner.client, docName);
    open.push(o);
    await synced(o.provider);
    o.doc.getText("t").insert(0, "marker ");
    await eventually(() => serverText(docName).includes("marker"), "marker applied");
    expect(serverText(docName)).not.toContain("as-viewer");

    await app.services.workspaces.changeRole({ workspaceId: workspace.id, userId: editor.user.id, role: "editor" });
    await eventually(() => codes.filter((x) => x === CloseCode.AccessChanged).length === 2, "closed again");
    await eventually(() => c.provider.synced, "reconnected again");
    c.doc.getText("t").insert(0, "writable-again ");
    await eventually(() => serverText(docName).includes("writable-again"), "editor writes again");
  });

  it("removing a member closes their connection for good (4403)", async () => {
    const { workspace, docName } = await newPrototype(app);
    const member = await memberClient(app, workspace.id, "editor");
    const raw = await RawClient.connect(app, docName, { cookie: member.client.cookieHeader });
    open.push({ destroy: () => raw.ws.terminate() });
    const other = await memberClient(app, workspace.id, "editor");
    const keep = await RawClient.connect(app, docName, { cookie: other.client.cookieHeader });
    open.push({ destroy: () => keep.ws.terminate() });
    await app.services.workspaces.removeMember({ workspaceId: workspace.id, userId: member.user.id });
    expect((await raw.waitClosed()).code).toBe(CloseCode.Forbidden);
    // Others stay connected and working.
    expect(keep.isOpen).toBe(true);
    keep.send(syncUpdateMessage(textUpdate(keep.doc, "still here")));
    await eventually(() => serverText(docName).includes("still here"), "other member still edits");
  });

  it("archiving a prototype makes open editors read-only at once", async () => {
    const { workspace, prototype, docName } = await newPrototype(app);
    const editor = await memberClient(app, workspace.id, "editor");
    const c = connectProvider(app, editor.client, docName);
    const codes = tracked(c);
    await synced(c.provider);
    await app.services.prototypes.setArchived({ workspaceId: workspace.id, prototypeId: prototype.id, archived: true });
    await eventually(() => codes.includes(CloseCode.AccessChanged), "closed with access-changed");
    await eventually(() => c.provider.synced, "reconnected");
    const refusedBefore = app.collab.metrics.writesRefused;
    c.doc.getText("t").insert(0, "archived-edit ");
    await eventually(() => app.collab.metrics.writesRefused > refusedBefore, "write refused");
    expect(serverText(docName)).not.toContain("archived-edit");
  });

  it("signing out closes that session's connections (4401), not the user's other sessions", async () => {
    const { workspace, docName } = await newPrototype(app);
    const member = await memberClient(app, workspace.id, "editor");
    const first = await RawClient.connect(app, docName, { cookie: member.client.cookieHeader });
    open.push({ destroy: () => first.ws.terminate() });
    const second = await loginClient(app, member.user.email);
    const other = await RawClient.connect(app, docName, { cookie: second.cookieHeader });
    open.push({ destroy: () => other.ws.terminate() });
    await app.services.sessions.invalidate(sessionId(member.client.cookieHeader));
    expect((await first.waitClosed()).code).toBe(CloseCode.Unauthorized);
    expect(other.isOpen).toBe(true);
    await app.services.sessions.invalidateAll(member.user.id);
    expect((await other.waitClosed()).code).toBe(CloseCode.Unauthorized);
  });

  it("a connection is closed when its session has expired, and kept while the session lives", async () => {
    const checking = await startTestServer({ db: app.db, collabLimits: { sessionCheckMs: 200 } });
    try {
      const { workspace, docName } = await newPrototype(checking);
      const member = await memberClient(checking, workspace.id, "editor");
      const expiring = await RawClient.connect(checking, docName, { cookie: member.client.cookieHeader });
      open.push({ destroy: () => expiring.ws.terminate() });
      const living = await memberClient(checking, workspace.id, "editor");
      const kept = await RawClient.connect(checking, docName, { cookie: living.client.cookieHeader });
      open.push({ destroy: () => kept.ws.terminate() });
      // Time passes without any HTTP activity: the first session runs out; the second was extended.
      await checking.db.sql`update sessions set expires_at = now() - interval '1 minute' where id = ${sessionId(member.client.cookieHeader)}`;
      await checking.db.sql`update sessions set expires_at = now() + interval '10 days' where id = ${sessionId(living.client.cookieHeader)}`;
      expect((await expiring.waitClosed()).code).toBe(CloseCode.Unauthorized);
      await new Promise((r) => setTimeout(r, 600));
      expect(kept.isOpen).toBe(true);
    } finally {
      await checking.close();
    }
  });
});
