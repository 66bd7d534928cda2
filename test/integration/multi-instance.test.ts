/**
 * Several Pilotlab instances on one PostgreSQL and one Redis (issue 8): real server processes on
 * their own ports, clients speaking the real y-websocket protocol to different instances. Redis is
 * reached through a TCP proxy this file can cut (an outage) without touching the shared server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { createServices } from "../../server/services/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { HttpClient, fakeIp } from "../helpers/http.js";
import { authedWebSocket, eventually } from "../helpers/collab.js";
import { PASSWORD } from "../helpers/factories.js";
import { anchorRange, encodeAnchor } from "../../app/lib/comments/anchors.js";
import { cardsMap, createCard, rawText } from "../../app/lib/experiments/cards.js";
import { startServerProcess, startTcpProxy, type ServerProcess, type TcpProxy } from "../helpers/instances.js";

const skipReason = !process.env.TEST_DATABASE_URL
  ? "needs TEST_DATABASE_URL: the instances share one real PostgreSQL"
  : !process.env.REDIS_URL
    ? "needs REDIS_URL: the instances reach each other through Redis"
    : null;

/** Starting a server process takes a few seconds here, much longer on a machine busy with other runs. */
const START_TIMEOUT = 120_000;

/** A comment anchor on a scratch text, encoded as the editor sends it. */
function commentAnchor() {
  const text = new Y.Doc().getText("t");
  text.insert(0, "Managers coach their teams weekly");
  const { start, end } = anchorRange(text, 9, 26);
  return { anchorStart: encodeAnchor(start), anchorEnd: encodeAnchor(end), quote: "coach their teams" };
}

// Say why, in the run's output, rather than only counting skipped tests.
if (skipReason) console.info(`test/integration/multi-instance.test.ts not run: ${skipReason}`);

interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
}

describe.skipIf(skipReason !== null)(`several instances on Redis${skipReason ? ` (not run: ${skipReason})` : ""}`, () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let a: ServerProcess;
  let b: ServerProcess;
  let c: ServerProcess | null = null;
  let d: ServerProcess | null = null;
  let lateProxy: TcpProxy | null = null;
  const clients: Client[] = [];
  let workspaceId: string;
  let docName: string;
  let prototypeId: string;
  const people = {} as Record<"owner" | "editor" | "viewer" | "leaver", { id: string; email: string; name: string }>;

  const env = () => ({ DATABASE_URL: db.url!, REDIS_URL: `redis://127.0.0.1:${proxy.port}`, SEED_DEMO: "0" });

  beforeAll(async () => {
    db = await createTestDatabase();
    const redis = new URL(process.env.REDIS_URL!);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    // The people and the prototype, written straight through the services (not through an instance).
    const services = createServices({ sql: db.sql, secureCookies: false });
    for (const role of ["owner", "editor", "viewer", "leaver"] as const) {
      const email = `${role}-${Date.now().toString(36)}@example.com`;
      const user = await services.accounts.signUp({ name: `The ${role}`, email, password: PASSWORD });
      people[role] = { id: user.id, email, name: `The ${role}` };
    }
    workspaceId = (await services.workspaces.create({ name: "Multi-instance", userId: people.owner.id })).id;
    for (const [role, as] of [
      ["editor", "editor"],
      ["viewer", "viewer"],
      ["leaver", "editor"],
    ] as const) {
      await db.sql`insert into memberships (workspace_id, user_id, role) values (${workspaceId}, ${people[role].id}, ${as})`;
    }
    prototypeId = (await services.prototypes.create({ workspaceId, input: { title: "Shared pilot", stage: "idea", ownerId: null, goalId: null } })).id;
    docName = `prototype.${prototypeId}`;
    [a, b] = await Promise.all([startServerProcess(env(), START_TIMEOUT), startServerProcess(env(), START_TIMEOUT)]);
  }, START_TIMEOUT * 2);

  afterAll(async () => {
    for (const client of clients) {
      client.provider.destroy();
      client.doc.destroy();
    }
    // Only the processes this file started, each by its own handle.
    await Promise.all([a?.kill(), b?.kill(), c?.kill(), d?.kill()]);
    await proxy?.close();
    await lateProxy?.close();
    await db?.close();
  });

  async function login(instance: ServerProcess, who: keyof typeof people): Promise<HttpClient> {
    const client = new HttpClient(instance.url, instance.url, { "x-forwarded-for": fakeIp() });
    const res = await client.post("/login", { email: people[who].email, password: PASSWORD });
    expect(res.status, `login as ${who}`).toBe(302);
    return client;
  }

  /** The stock provider on `instance`, as `who`; `doc` to move an existing replica to another instance. */
  async function connect(instance: ServerProcess, who: keyof typeof people, doc = new Y.Doc()): Promise<Client> {
    const session = await login(instance, who);
    const provider = new WebsocketProvider(`${instance.url.replace(/^http/, "ws")}/collab`, docName, doc, {
      WebSocketPolyfill: authedWebSocket({ cookie: session.cookieHeader, origin: instance.url }) as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    });
    const client = { doc, provider };
    clients.push(client);
    try {
      await eventually(() => provider.synced, `${who} synced with ${instance.url}`, 30_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}; the instance printed:\n${instance.output().slice(-3000)}`);
    }
    return client;
  }

  async function metric(instance: ServerProcess, name: string): Promise<number> {
    const text = await (await fetch(`${instance.url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`no ${name} in the metrics of ${instance.url}`);
    return Number(line.split(" ")[1]);
  }

  const text = (client: Client) => client.doc.getText("probe").toString();
  const tokens = (client: Client) => new Set(client.doc.getArray<string>("burst").toArray());

  it("clients on different instances converge on text, experiment cards and presence; each update is logged once", async () => {
    const onA = await connect(a, "owner");
    const onB = await connect(b, "editor");

    onA.doc.getText("probe").insert(0, "written on A");
    await eventually(() => text(onB) === "written on A", "B's client sees A's edit");
    const cards = onB.doc.getMap<Y.Map<unknown>>("experiments");
    const card = new Y.Map<unknown>();
    card.set("name", "Card from B");
    card.set("status", "planned");
    cards.set("card-b", card);
    await eventually(() => onA.doc.getMap<Y.Map<unknown>>("experiments").get("card-b")?.get("name") === "Card from B", "A's client sees B's card");

    // Presence crosses with the identity the server vouched for.
    onA.provider.awareness.setLocalStateField("cursor", { anchor: 1 });
    await eventually(
      () => (onB.provider.awareness.getStates().get(onA.doc.clientID) as { user?: { name?: string } } | undefined)?.user?.name === people.owner.name,
      "B's client sees A's presence as the owner",
    );

    // One log row per client edit: the receiving instance applies, never logs (nor republishes) again.
    await eventually(async () => {
      const rows = await db.sql<{ n: string }[]>`select count(*) as n from doc_updates where doc_name = ${docName}`;
      return Number(rows[0].n) >= 2;
    }, "both edits logged");
    await new Promise((r) => setTimeout(r, 300));
    const logged = await db.sql<{ update: Buffer }[]>`select update from doc_updates where doc_name = ${docName} order by seq`;
    const withText = logged.filter((row) => {
      const probe = new Y.Doc();
      Y.applyUpdate(probe, new Uint8Array(row.update));
      return probe.getText("probe").length > 0;
    });
    expect(withText).toHaveLength(1);
    expect(await metric(a, "pilotlab_redis_up")).toBe(1);
    expect(await metric(b, "pilotlab_collab_remote_updates_applied_total")).toBeGreaterThanOrEqual(1);
    expect(await metric(a, "pilotlab_collab_remote_updates_applied_total")).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("an experiment card started through A stays locked when it is edited through B", async () => {
    const onA = await connect(a, "owner");
    const onB = await connect(b, "editor");
    createCard(onA.doc, { id: "locked-card", name: "Coaching card", createdBy: people.owner.id });
    const onACard = cardsMap(onA.doc).get("locked-card")!;
    (onACard.get("hypothesis") as Y.Text).insert(0, "Weekly coaching raises scores");
    onACard.set("status", "running");
    await eventually(() => typeof cardsMap(onB.doc).get("locked-card")?.get("startedAt") === "number", "B's client sees the card started and stamped");
    const hypothesis = cardsMap(onB.doc).get("locked-card")!.get("hypothesis") as Y.Text;
    hypothesis.insert(hypothesis.length, " by a lot");
    const locked = (cl: Client) => rawText(cardsMap(cl.doc).get("locked-card")!, "hypothesis") === "Weekly coaching raises scores";
    await eventually(() => locked(onA) && locked(onB), "B's instance corrected the locked field on every replica");
    // Recorded once, by the instance the start came through.
    await eventually(async () => (await db.sql`select 1 from experiment_runs where prototype_id = ${prototypeId} and card_id = ${"locked-card"}`).length === 1, "the start recorded");
  }, 60_000);

  it("a read-only member stays read-only on every instance", async () => {
    const editor = await connect(a, "editor");
    const viewers = [await connect(a, "viewer"), await connect(b, "viewer")];
    const refusedBefore = (await metric(a, "pilotlab_collab_writes_refused_total")) + (await metric(b, "pilotlab_collab_writes_refused_total"));
    viewers.forEach((v, i) => v.doc.getText("probe").insert(0, `viewer ${i} was here `));
    await eventually(
      async () => (await metric(a, "pilotlab_collab_writes_refused_total")) + (await metric(b, "pilotlab_collab_writes_refused_total")) >= refusedBefore + 2,
      "both instances refused the viewer's write",
    );
    // A later edit crosses, the viewer's does not: not at the editor, not in the log.
    editor.doc.getText("probe").insert(0, "after ");
    await eventually(() => viewers.every((v) => v.doc.getText("probe").toString().includes("after ")), "viewers see the editor's edit");
    expect(text(editor)).not.toContain("viewer");
    const stored = await db.sql<{ update: Buffer }[]>`select update from doc_updates where doc_name = ${docName}`;
    const merged = new Y.Doc();
    for (const row of stored) Y.applyUpdate(merged, new Uint8Array(row.update));
    expect(merged.getText("probe").toString()).not.toContain("viewer");
    for (const v of viewers) v.provider.destroy();
  }, 60_000);

  it("a comment posted on A reaches the page's live stream on B", async () => {
    const reader = await login(b, "editor");
    const controller = new AbortController();
    const stream = await reader.get(`/w/${workspaceId}/prototypes/${prototypeId}/events`, { signal: controller.signal });
    expect(stream.status).toBe(200);
    const reading = stream.body!.getReader();
    let received = "";
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reading.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        received += new TextDecoder().decode(value);
      }
    })();
    await eventually(() => received.includes(": connected"), "stream open");
    const writer = await login(a, "owner");
    const res = await writer.post(`/w/${workspaceId}/prototypes/${prototypeId}/comments`, {
      intent: "thread",
      body: "Seen from the other instance?",
      ...commentAnchor(),
    });
    expect(res.status).toBe(200);
    const { commentId } = (await res.json()) as { commentId: string };
    await eventually(() => received.includes(`event: comment\ndata: {"id":"${commentId}"}`), "B's stream got the comment event");
    // Exactly once.
    await new Promise((r) => setTimeout(r, 300));
    expect(received.split(commentId).length - 1).toBe(1);
    controller.abort();
    await pump;
  }, 60_000);

  it("a member removed through A loses their collaboration connection on B", async () => {
    const leaver = await connect(b, "leaver");
    const closes: number[] = [];
    leaver.provider.on("connection-close", (event: CloseEvent | null) => closes.push(event?.code ?? 0));
    const owner = await login(a, "owner");
    const res = await owner.post(`/w/${workspaceId}/members`, { intent: "remove", userId: people.leaver.id });
    expect(res.status).toBe(302);
    await eventually(() => closes.includes(4403), "B closed the removed member's connection with 4403");
    leaver.provider.destroy();
  }, 60_000);

  it("Redis going away: local clients keep working, the metric says so, and instances converge when it is back", async () => {
    const [onA, alsoOnA, onB] = [await connect(a, "owner"), await connect(a, "editor"), await connect(b, "editor")];
    proxy.cut();
    await eventually(async () => (await metric(a, "pilotlab_redis_up")) === 0 && (await metric(b, "pilotlab_redis_up")) === 0, "both report Redis down", 10_000);

    onA.doc.getArray<string>("outage").push(["from A during the outage"]);
    onB.doc.getArray<string>("outage").push(["from B during the outage"]);
    await eventually(() => alsoOnA.doc.getArray("outage").toArray().includes("from A during the outage"), "A's other client still gets A's edit");
    await new Promise((r) => setTimeout(r, 500));
    expect(onB.doc.getArray("outage").toArray()).not.toContain("from A during the outage");
    expect(onA.doc.getArray("outage").toArray()).not.toContain("from B during the outage");

    proxy.restore();
    const both = (cl: Client) => ["from A during the outage", "from B during the outage"].every((t) => cl.doc.getArray("outage").toArray().includes(t));
    await eventually(() => both(onA) && both(onB) && both(alsoOnA), "every client has both outage edits after recovery", 20_000);
    await eventually(async () => (await metric(a, "pilotlab_redis_up")) === 1 && (await metric(b, "pilotlab_redis_up")) === 1, "both report Redis up", 10_000);
    // Live delivery works again.
    onB.doc.getArray<string>("outage").push(["after the outage"]);
    await eventually(() => onA.doc.getArray("outage").toArray().includes("after the outage"), "live delivery resumed");
    expect(a.output() + b.output()).toMatch(/Redis (connection lost|unreachable)/);
  }, 60_000);

  it("a late-starting instance serves the full state and joins the live exchange", async () => {
    const onA = clients.find((cl) => cl.provider.wsconnected && text(cl).includes("written on A"))!;
    c = await startServerProcess(env(), START_TIMEOUT);
    const onC = await connect(c, "editor");
    expect(Y.decodeStateVector(Y.encodeStateVector(onC.doc))).toEqual(Y.decodeStateVector(Y.encodeStateVector(onA.doc)));
    expect(text(onC)).toBe(text(onA));
    onC.doc.getText("probe").insert(0, "C ");
    await eventually(() => text(onA).startsWith("C "), "A's client sees C's edit");
  }, START_TIMEOUT);

  it("SIGKILL of an instance mid-edit: its clients move to another and nothing they saw is lost", async () => {
    const observer = await connect(a, "owner");
    const writers = [await connect(c!, "editor"), await connect(c!, "owner")];
    // What C's clients received from the server (others' edits) before the kill.
    const seen = new Set<string>();
    for (const w of writers) {
      w.doc.getArray<string>("burst").observe((event, tr) => {
        if (tr.origin !== w.provider) return;
        for (const d of event.changes.delta) for (const t of (d.insert as string[] | undefined) ?? []) seen.add(t);
      });
    }
    let bursting = true;
    const bursts = [observer, ...writers].map(async (cl, i) => {
      for (let n = 0; bursting; n++) {
        cl.doc.getArray<string>("burst").push([`w${i}-${n}`]);
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
      }
    });
    await eventually(() => seen.size >= 60, "edits flowing through C", 20_000);
    await c!.kill();
    bursting = false;
    await bursts;
    expect((await c!.exit).signal).toBe("SIGKILL");

    // The clients reconnect to another instance with the replicas they have (as behind a load balancer).
    const moved = await Promise.all(
      writers.map((w, i) => {
        w.provider.destroy();
        return connect(b, i === 0 ? "editor" : "owner", w.doc);
      }),
    );
    await eventually(() => {
      const all = [observer, ...moved].map((cl) => [...tokens(cl)].sort().join());
      return all.every((t) => t === all[0]);
    }, "every client converged after the move", 20_000);
    const final = tokens(observer);
    for (const t of seen) expect(final.has(t), `token ${t} seen before the kill`).toBe(true);
  }, 90_000);

  it("an instance started while Redis is unreachable serves its clients, then joins and converges when Redis answers", async () => {
    const redis = new URL(process.env.REDIS_URL!);
    lateProxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    lateProxy.cut();
    const late = (d = await startServerProcess({ ...env(), REDIS_URL: `redis://127.0.0.1:${lateProxy.port}` }, START_TIMEOUT));
    expect(await metric(late, "pilotlab_redis_up")).toBe(0);
    const onD = await connect(late, "owner");
    const onA = await connect(a, "editor");
    onD.doc.getArray<string>("late").push(["from D, alone"]);
    onA.doc.getArray<string>("late").push(["from A, meanwhile"]);
    await new Promise((r) => setTimeout(r, 300));
    expect(onA.doc.getArray("late").toArray()).not.toContain("from D, alone");

    lateProxy.restore();
    const both = (cl: Client) => ["from D, alone", "from A, meanwhile"].every((t) => cl.doc.getArray("late").toArray().includes(t));
    await eventually(() => both(onA) && both(onD), "D and A converge once D reaches Redis", 20_000);
    await eventually(async () => (await metric(late, "pilotlab_redis_up")) === 1, "D reports Redis up", 10_000);
    // However many reconnection attempts failed, the outage was logged once.
    expect(late.output().match(/Redis (connection lost|unreachable)/g)).toHaveLength(1);
  }, START_TIMEOUT);
});
