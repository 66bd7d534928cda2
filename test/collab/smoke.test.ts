import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createPrototype, createUser, createWorkspace, memberClient } from "../helpers/factories.js";
import { connectProvider, eventually, storedDoc, synced } from "../helpers/collab.js";

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app?.close();
});

it("two editors converge through the server, and the update log holds what they saw", async () => {
  const owner = await createUser(app);
  const ws = await createWorkspace(app, owner.id);
  const proto = await createPrototype(app, ws.id);
  const a = await memberClient(app, ws.id, "editor");
  const b = await memberClient(app, ws.id, "editor");
  const docName = `prototype.${proto.id}`;
  const ca = connectProvider(app, a.client, docName);
  const cb = connectProvider(app, b.client, docName);
  try {
    await Promise.all([synced(ca.provider), synced(cb.provider)]);
    ca.doc.getText("t").insert(0, "hello");
    await eventually(() => cb.doc.getText("t").toString() === "hello", "b sees a's text");
    const stored = await storedDoc(app, docName);
    expect(stored.getText("t").toString()).toBe("hello");
  } finally {
    ca.destroy();
    cb.destroy();
  }
});
