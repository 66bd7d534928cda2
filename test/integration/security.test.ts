import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { HttpClient, PROTECTED_PAGE, fakeIp, location, pageText } from "../helpers/http.js";
import { createUser, createWorkspace, loginClient, PASSWORD } from "../helpers/factories.js";
import { countRows, snapshotTables } from "../helpers/snapshot.js";
import { MAX_REQUEST_BODY_BYTES } from "../../app/lib/limits.js";

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app?.close();
});

const browser = (origin: string | null = app.url) => new HttpClient(app.url, origin, { "x-forwarded-for": fakeIp() });
const uniqueEmail = (tag: string) => `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;

async function userExists(email: string) {
  const rows = await app.db.sql`select 1 from users where lower(email) = lower(${email})`;
  return rows.length > 0;
}

/**
 * Sends raw bytes over a socket and returns the status of the first response line. The server may
 * answer and close before the whole body is written; that is the point, so write errors are ignored.
 */
function rawRequest(baseUrl: string, head: string, body: Buffer | string = ""): Promise<{ status: number; raw: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let raw = "";
    socket.on("data", (chunk) => (raw += chunk.toString("latin1")));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (!["EPIPE", "ECONNRESET"].includes(error.code ?? "")) reject(error);
    });
    socket.on("close", () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(raw);
      if (match) resolve({ status: Number(match[1]), raw });
      else reject(new Error(`no HTTP response: ${JSON.stringify(raw.slice(0, 200))}`));
    });
    socket.write(head);
    if (body.length) socket.write(body, () => socket.end());
    else socket.end();
    setTimeout(() => socket.destroy(), 10_000).unref();
  });
}

describe("cross-site request protection (Origin)", () => {
  it("refuses a POST with no Origin header with 403 and creates nothing", async () => {
    const email = uniqueEmail("no-origin");
    const res = await browser(null).post("/signup", { name: "No Origin", email, password: PASSWORD });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("Origin mismatch");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await userExists(email)).toBe(false);
  });

  it("refuses POSTs from foreign origins with 403 and creates nothing", async () => {
    const port = new URL(app.url).port;
    const foreign = ["http://evil.example", "null", "http://127.0.0.1:1", `https://127.0.0.1:${port}`, `http://localhost:${port}`, `${app.url}.evil.example`];
    for (const origin of foreign) {
      const email = uniqueEmail("foreign");
      const res = await browser(origin).post("/signup", { name: "Foreign", email, password: PASSWORD });
      expect(res.status, origin).toBe(403);
      expect(await userExists(email), origin).toBe(false);
    }
  });

  it("a cross-site form cannot log a signed-in user out or create a workspace for them", async () => {
    const user = await createUser(app);
    const victim = await loginClient(app, user.email);
    const attacker = new HttpClient(app.url, "http://evil.example");
    attacker.cookies = victim.cookies; // the browser attaches the victim's cookie
    expect((await attacker.post("/logout", {})).status).toBe(403);
    expect((await attacker.post("/workspaces/new", { name: "Attacker's workspace" })).status).toBe(403);
    expect(await app.services.workspaces.listForUser(user.id)).toEqual([]);
    expect((await victim.get(PROTECTED_PAGE)).status).toBe(200);
  });

  it("refuses PUT, PATCH and DELETE without a matching Origin too", async () => {
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const res = await browser(null).request("/login", { method, body: new URLSearchParams({ email: "a@example.com" }) });
      expect(res.status, method).toBe(403);
    }
  });

  it("serves GET requests whatever their Origin (they change nothing)", async () => {
    const res = await fetch(new URL("/login", app.url), { headers: { origin: "http://evil.example" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-powered-by")).toBeNull();
  });
});

describe("request size limits", () => {
  it(`refuses a body over ${MAX_REQUEST_BODY_BYTES.toLocaleString("en")} bytes with 413 before reading it`, async () => {
    const email = uniqueEmail("huge-body");
    const form = new URLSearchParams({ name: "Huge Body", email, password: PASSWORD, pad: "" }).toString();
    const body = Buffer.from(form + "x".repeat(MAX_REQUEST_BODY_BYTES + 1 - form.length));
    expect(body.length).toBe(MAX_REQUEST_BODY_BYTES + 1);
    const { host } = new URL(app.url);
    const head =
      `POST /signup HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${app.url}\r\n` +
      `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { status, raw } = await rawRequest(app.url, head, body);
    expect(status).toBe(413);
    expect(raw).toContain(`the limit is ${MAX_REQUEST_BODY_BYTES} bytes`);
    expect(await userExists(email)).toBe(false);
  });

  it("refuses a claimed Content-Length over the limit even when no body follows", async () => {
    const { host } = new URL(app.url);
    const head = `POST /login HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${app.url}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 50000000\r\n\r\n`;
    expect((await rawRequest(app.url, head)).status).toBe(413);
  });

  it("refuses a chunked body without a Content-Length with 411", async () => {
    const { host } = new URL(app.url);
    const chunk = "email=a%40example.com";
    const head =
      `POST /login HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${app.url}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
      `Transfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`;
    expect((await rawRequest(app.url, head)).status).toBe(411);
  });

  it(`reads a body of exactly ${MAX_REQUEST_BODY_BYTES.toLocaleString("en")} bytes normally`, async () => {
    const email = uniqueEmail("max-body");
    const form = new URLSearchParams({ name: "Max Body", email, password: PASSWORD, pad: "" }).toString();
    const body = form + "x".repeat(MAX_REQUEST_BODY_BYTES - form.length);
    expect(Buffer.byteLength(body)).toBe(MAX_REQUEST_BODY_BYTES);
    const res = await browser().request("/signup", {
      method: "POST",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(302);
    expect(await userExists(email)).toBe(true);
  });
});

describe("ids in URLs and workspace privacy", () => {
  let owner: Awaited<ReturnType<typeof createUser>>;
  let workspace: { id: string; name: string };
  let ownerClient: HttpClient;
  beforeAll(async () => {
    owner = await createUser(app);
    workspace = await createWorkspace(app, owner.id, `Secret Lab ${Date.now()}`);
    ownerClient = await loginClient(app, owner.email);
  });

  it("answers workspace URLs with ids that are not UUIDs with 404, not 500", async () => {
    const bad = ["not-a-uuid", "123", "00000000-0000-0000-0000-00000000000g", encodeURIComponent("'; drop table users; --"), "%00", "x".repeat(2000), `${workspace.id}x`];
    for (const id of bad) {
      const res = await ownerClient.get(`/w/${id}`);
      expect(res.status, id).toBe(404);
    }
    expect(await countRows(app.db.sql, "users")).toBeGreaterThan(0);
  });

  it("answers a valid UUID of no workspace with 404", async () => {
    expect((await ownerClient.get("/w/00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });

  it("a member sees the workspace; a non-member gets 404 and learns nothing about it", async () => {
    const own = await ownerClient.get(`/w/${workspace.id}`);
    expect(own.status).toBe(200);
    expect(await pageText(own)).toContain(workspace.name);

    const stranger = await createUser(app);
    const client = await loginClient(app, stranger.email);
    const res = await client.get(`/w/${workspace.id}`);
    expect(res.status).toBe(404);
    expect(await pageText(res)).not.toContain(workspace.name);
    // The switcher does not leak it either.
    const switched = await client.get(`/w?workspace=${workspace.id}`);
    const next = await client.get(location(switched)!);
    expect(next.status).toBe(404);
  });

  it("a POST to a page without an action is refused without a 500", async () => {
    const res = await ownerClient.post(`/w/${workspace.id}`, { name: "x" });
    expect(res.status).toBe(405);
  });
});

describe("malformed form posts", () => {
  it("a login with no fields gets 400 and a message per field", async () => {
    const res = await browser().post("/login", {});
    expect(res.status).toBe(400);
    const text = await pageText(res);
    expect(text).toContain("Email is required.");
    expect(text).toContain("Password is required.");
  });

  it("a file where a text field belongs is a missing field (400), not a crash", async () => {
    const email = uniqueEmail("file-field");
    const form = new FormData();
    form.append("name", new Blob(["not text"], { type: "text/plain" }), "name.txt");
    form.append("email", email);
    form.append("password", PASSWORD);
    const res = await browser().request("/signup", { method: "POST", body: form });
    expect(res.status).toBe(400);
    expect(await pageText(res)).toContain("Name is required.");
    expect(await userExists(email)).toBe(false);
  });

  it("huge field values get 400 with the limit in words and store nothing", async () => {
    const before = await snapshotTables(app.db.sql);
    const email = uniqueEmail("huge-field");
    const signup = await browser().post("/signup", { name: "n".repeat(100_000), email, password: PASSWORD });
    expect(signup.status).toBe(400);
    expect(await pageText(signup)).toContain("Name must be at most 100 characters.");
    const longEmail = await browser().post("/signup", { name: "Long Email", email: `${"e".repeat(300)}@example.com`, password: PASSWORD });
    expect(longEmail.status).toBe(400);
    expect(await pageText(longEmail)).toContain("That email is too long.");
    expect(await snapshotTables(app.db.sql)).toEqual(before);
  });

  it("a workspace name that is blank or too long gets 400 and no workspace", async () => {
    const user = await createUser(app);
    const client = await loginClient(app, user.email);
    for (const name of ["   ", "w".repeat(10_000)]) {
      const res = await client.post("/workspaces/new", { name });
      expect(res.status).toBe(400);
    }
    const missing = await client.post("/workspaces/new", {});
    expect(missing.status).toBe(400);
    expect(await pageText(missing)).toContain("Workspace name is required.");
    expect(await app.services.workspaces.listForUser(user.id)).toEqual([]);
  });

  it("bodies that are not a form (JSON, plain text, none) get 415, not 500", async () => {
    const client = browser();
    const json = await client.request("/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "a@example.com", password: PASSWORD }),
    });
    expect(json.status).toBe(415);
    const text = await client.request("/login", { method: "POST", headers: { "content-type": "text/plain" }, body: "email=a@example.com" });
    expect(text.status).toBe(415);
    const none = await client.request("/logout", { method: "POST" });
    expect(none.status).toBe(415);
  });
});

describe("configured origin and secure cookies", () => {
  it("with APP_ORIGIN set, a mutating request's Origin must equal it exactly", async () => {
    const configured = await startTestServer({ db: app.db, config: { appOrigin: "http://pilotlab.test" } });
    try {
      const user = await createUser(app);
      const post = (origin: string) =>
        new HttpClient(configured.url, origin, { "x-forwarded-for": fakeIp() }).post("/login", { email: user.email, password: PASSWORD });
      expect((await post("http://pilotlab.test")).status).toBe(302);
      for (const origin of [
        configured.url,
        "https://pilotlab.test",
        "http://pilotlab.test:8080",
        "http://pilotlab.test/",
        "http://pilotlab.test.evil.example",
        "http://evil.pilotlab.test",
        "http://PILOTLAB.test",
      ]) {
        expect((await post(origin)).status, origin).toBe(403);
      }
    } finally {
      await configured.close();
    }
  });

  it("a same-origin POST that also carries a stray X-Forwarded-Host is served, not a 500", async () => {
    const user = await createUser(app);
    const res = await browser().post("/login", { email: user.email, password: PASSWORD }, { headers: { "x-forwarded-host": "elsewhere.example" } });
    expect(res.status).toBe(302);
  });

  it("with secure cookies on, the session cookie and its clearing both carry Secure", async () => {
    const secure = await startTestServer({ db: app.db, config: { secureCookies: true } });
    try {
      const user = await createUser(app);
      const client = new HttpClient(secure.url);
      const login = await client.post("/login", { email: user.email, password: PASSWORD });
      expect(login.status).toBe(302);
      const [set] = login.headers.getSetCookie().filter((c) => c.startsWith("pilotlab_session="));
      expect(set).toMatch(/;\s*Secure/i);
      expect(set).toMatch(/HttpOnly/i);
      const logout = await client.post("/logout", {});
      const [cleared] = logout.headers.getSetCookie().filter((c) => c.startsWith("pilotlab_session="));
      expect(cleared).toMatch(/Max-Age=0/i);
      expect(cleared).toMatch(/;\s*Secure/i);
    } finally {
      await secure.close();
    }
  });
});
