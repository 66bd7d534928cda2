import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { memberClient } from "../helpers/factories.js";
import { connectProvider, eventually, storedDoc, synced, type CollabClient } from "../helpers/collab.js";
import { awarenessMessage, countRows, MSG_AWARENESS, newPrototype, queryAwarenessMessage, RawClient, sameState } from "./support.js";

let app: TestServer;
const open: { destroy(): void }[] = [];
function track<T extends { destroy(): void }>(c: T): T {
  open.push(c);
  return c;
}

beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  for (const c of open) c.destroy();
  await app?.close();
});

describe("sync", () => {
  it("two clients converge, a third joining late gets the full state, and the server stores the same state", async () => {
    const { workspace, docName } = await newPrototype(app);
    const a = await memberClient(app, workspace.id, "editor");
    const b = await memberClient(app, workspace.id, "editor");
    const ca = track(connectProvider(app, a.client, docName));
    const cb = track(connectProvider(app, b.client, docName));
    await Promise.all([synced(ca.provider), synced(cb.provider)]);

    // Concurrent edits on both sides, in several updates each.
    for (let i = 0; i < 5; i++) {
      ca.doc.getText("t").insert(0, `a${i} `);
      cb.doc.getText("t").insert(cb.doc.getText("t").length, ` b${i}`);
      ca.doc.getMap("m").set(`a${i}`, i);
    }
    cb.doc.getText("t").delete(0, 1);
    await eventually(() => sameState(ca.doc, cb.doc), "a and b converge");
    const text = ca.doc.getText("t").toString();
    for (let i = 0; i < 5; i++) expect(text).toContain(`b${i}`);
    expect(ca.doc.getMap("m").size).toBe(5);
    expect(cb.doc.getMap("m").toJSON()).toEqual(ca.doc.getMap("m").toJSON());

    // The server's copy, in memory and in Postgres, is the same state (not only the clients).
    await app.collab.registry.loaded(docName)!.persisted();
    expect(sameState(app.collab.registry.loaded(docName)!.doc, ca.doc)).toBe(true);
    const stored = await storedDoc(app, docName);
    expect(sameState(stored, ca.doc)).toBe(true);

    const c = await memberClient(app, workspace.id, "editor");
    const cc = track(connectProvider(app, c.client, docName));
    await synced(cc.provider);
    expect(sameState(cc.doc, ca.doc)).toBe(true);
    expect(cc.doc.getMap("m").toJSON()).toEqual(ca.doc.getMap("m").toJSON());

    // And the late joiner is live too.
    cc.doc.getText("t").insert(0, "late ");
    await eventually(() => ca.doc.getText("t").toString().startsWith("late ") && cb.doc.getText("t").toString().startsWith("late "), "late edit reaches a and b");
    stored.destroy();
  });
});

describe("presence", () => {
  let docName: string;
  let workspaceId: string;
  let alice: Awaited<ReturnType<typeof memberClient>>;
  let bob: Awaited<ReturnType<typeof memberClient>>;
  let mallory: Awaited<ReturnType<typeof memberClient>>;
  beforeAll(async () => {
    const p = await newPrototype(app);
    docName = p.docName;
    workspaceId = p.workspace.id;
    alice = await memberClient(app, workspaceId, "editor");
    bob = await memberClient(app, workspaceId, "viewer");
    mallory = await memberClient(app, workspaceId, "editor");
  });

  function stateOf(c: CollabClient, clientId: number) {
    return c.provider.awareness.getStates().get(clientId) as { user?: { id: string; name: string; color: string }; cursor?: number } | undefined;
  }

  it("query-awareness returns everyone's presence", async () => {
    const ca = track(connectProvider(app, alice.client, docName));
    await synced(ca.provider);
    ca.provider.awareness.setLocalStateField("cursor", 7);
    await eventually(() => app.collab.registry.loaded(docName)!.awareness.getStates().has(ca.doc.clientID), "server knows alice's presence");

    const raw = track(await RawClient.connect(app, docName, { cookie: bob.client.cookieHeader }));
    await eventually(() => raw.awareness.getStates().has(ca.doc.clientID), "joining client is told who is here");
    // Forget it, then ask: the answer must carry it again.
    raw.awareness.states.clear();
    raw.awareness.meta.clear();
    const before = raw.received.filter((t) => t === MSG_AWARENESS).length;
    raw.send(queryAwarenessMessage());
    await eventually(() => raw.received.filter((t) => t === MSG_AWARENESS).length > before, "an awareness answer");
    const state = raw.awareness.getStates().get(ca.doc.clientID) as { cursor: number; user: { id: string } };
    expect(state.cursor).toBe(7);
    expect(state.user.id).toBe(alice.user.id);
    expect(raw.isOpen).toBe(true);
    ca.destroy();
    raw.destroy();
  });

  it("awareness claiming another user's id and name is rewritten to the authenticated user", async () => {
    const ca = track(connectProvider(app, alice.client, docName));
    const cb = track(connectProvider(app, bob.client, docName));
    await Promise.all([synced(ca.provider), synced(cb.provider)]);
    ca.provider.awareness.setLocalState({ user: { id: bob.user.id, name: "Bob (really)", color: "#000000" }, cursor: 3, role: "owner" });
    await eventually(() => stateOf(cb, ca.doc.clientID)?.cursor === 3, "bob sees alice's presence");
    const seen = stateOf(cb, ca.doc.clientID)!;
    expect(seen.user!.id).toBe(alice.user.id);
    expect(seen.user!.name).toBe(alice.user.name);
    expect(seen.user!.color).toMatch(/^#|^hsl|^rgb/);
    expect(seen.user!.color).not.toBe("#000000");
    // The server's own copy carries the real identity too.
    const server = app.collab.registry.loaded(docName)!.awareness.getStates().get(ca.doc.clientID) as { user: { id: string; name: string } };
    expect(server.user).toMatchObject({ id: alice.user.id, name: alice.user.name });
    // A state without any user field gets one as well.
    ca.provider.awareness.setLocalState({ cursor: 4 });
    await eventually(() => stateOf(cb, ca.doc.clientID)?.cursor === 4, "bob sees the new state");
    expect(stateOf(cb, ca.doc.clientID)!.user).toMatchObject({ id: alice.user.id, name: alice.user.name });
    ca.destroy();
    cb.destroy();
  });

  it("a client cannot overwrite or remove another connection's awareness client id", async () => {
    const ca = track(connectProvider(app, alice.client, docName));
    const cb = track(connectProvider(app, bob.client, docName));
    await Promise.all([synced(ca.provider), synced(cb.provider)]);
    ca.provider.awareness.setLocalState({ cursor: 1 });
    await eventually(() => stateOf(cb, ca.doc.clientID)?.cursor === 1, "bob sees alice");
    const aliceId = ca.doc.clientID;
    const aliceClock = ca.provider.awareness.meta.get(aliceId)!.clock;

    const evil = track(await RawClient.connect(app, docName, { cookie: mallory.client.cookieHeader }));
    const evilId = 4242;
    // Overwrite alice's entry (higher clock), then remove it (null), then announce itself as a marker.
    evil.send(awarenessMessage([{ clientId: aliceId, clock: aliceClock + 10, state: { cursor: 666, user: { id: alice.user.id, name: alice.user.name } } }]));
    evil.send(awarenessMessage([{ clientId: aliceId, clock: aliceClock + 20, state: null }]));
    evil.send(awarenessMessage([{ clientId: evilId, clock: 1, state: { cursor: 5 } }]));
    await eventually(() => stateOf(cb, evilId)?.cursor === 5, "bob sees mallory's own presence");

    // Alice's entry is untouched for bob, for the server and for mallory's view.
    expect(stateOf(cb, aliceId)).toMatchObject({ cursor: 1, user: { id: alice.user.id } });
    const serverAwareness = app.collab.registry.loaded(docName)!.awareness;
    expect(serverAwareness.getStates().get(aliceId)).toMatchObject({ cursor: 1 });
    expect(serverAwareness.meta.get(aliceId)!.clock).toBe(aliceClock);
    expect(stateOf(cb, evilId)!.user).toMatchObject({ id: mallory.user.id, name: mallory.user.name });
    // Mallory stays connected (presence spoofing is ignored, not fatal) and alice is still live.
    expect(evil.isOpen).toBe(true);
    ca.provider.awareness.setLocalStateField("cursor", 2);
    await eventually(() => stateOf(cb, aliceId)?.cursor === 2, "alice's later presence still flows");

    // When mallory leaves, only mallory's entry goes away.
    evil.destroy();
    await eventually(() => !serverAwareness.getStates().has(evilId), "mallory's presence removed");
    await eventually(() => stateOf(cb, evilId) === undefined, "bob sees mallory leave");
    expect(serverAwareness.getStates().has(aliceId)).toBe(true);
    expect(stateOf(cb, aliceId)?.cursor).toBe(2);
    ca.destroy();
    cb.destroy();
  });

  it("a closed connection's presence is removed for everyone", async () => {
    const ca = track(connectProvider(app, alice.client, docName));
    const cb = track(connectProvider(app, bob.client, docName));
    await Promise.all([synced(ca.provider), synced(cb.provider)]);
    ca.provider.awareness.setLocalStateField("cursor", 9);
    await eventually(() => stateOf(cb, ca.doc.clientID)?.cursor === 9, "bob sees alice");
    const id = ca.doc.clientID;
    ca.provider.ws!.close();
    ca.provider.disconnect();
    await eventually(() => stateOf(cb, id) === undefined, "alice's presence removed on close");
    ca.destroy();
    cb.destroy();
  });
});

it("presence traffic never touches the document or the update log", async () => {
  const { workspace, docName } = await newPrototype(app);
  const a = await memberClient(app, workspace.id, "editor");
  const ca = track(connectProvider(app, a.client, docName));
  await synced(ca.provider);
  const shared = app.collab.registry.loaded(docName)!;
  const before = Buffer.from(Y.encodeStateAsUpdate(shared.doc));
  const rowsBefore = await countRows(app, "doc_updates", docName);
  for (let i = 0; i < 5; i++) ca.provider.awareness.setLocalStateField("cursor", i);
  await eventually(() => (shared.awareness.getStates().get(ca.doc.clientID) as { cursor?: number } | undefined)?.cursor === 4, "presence arrives");
  expect(await countRows(app, "doc_updates", docName)).toBe(rowsBefore);
  expect(Buffer.from(Y.encodeStateAsUpdate(shared.doc)).equals(before)).toBe(true);
  ca.destroy();
});
