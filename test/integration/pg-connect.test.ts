/**
 * The connections postgres.js opens to a Postgres server go through `connectWithoutDelay` (Nagle
 * off): hosts in order, a clear error when none answers, and real queries on top.
 */
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { connectWithoutDelay, createSql } from "../../server/db/sql.js";

const servers: net.Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

/** A local TCP server that records connections; its port. */
async function listening(): Promise<{ port: number; accepted: () => number }> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { port: (server.address() as net.AddressInfo).port, accepted: () => count };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("connectWithoutDelay", () => {
  it("tries the hosts in order and connects to the first that answers", async () => {
    const dead = await closedPort();
    const live = await listening();
    const socket = await connectWithoutDelay({ host: ["127.0.0.1", "127.0.0.1"], port: [dead, live.port] });
    expect(socket.remotePort).toBe(live.port);
    socket.destroy();
    await expect.poll(live.accepted).toBe(1);
  });

  it("rejects with the last host's error when none answers", async () => {
    const dead = await closedPort();
    await expect(connectWithoutDelay({ host: ["127.0.0.1"], port: [dead] })).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("is what createSql uses: a query on an unreachable server fails with its error instead of hanging", async () => {
    const dead = await closedPort();
    const sql = createSql({ url: `postgres://postgres@127.0.0.1:${dead}/test`, max: 1 });
    try {
      await expect(sql`select 1`).rejects.toMatchObject({ code: "ECONNREFUSED" });
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)("serves pipelined queries and transactions on a real server", async () => {
    const sql = createSql({ url: process.env.TEST_DATABASE_URL!, max: 2 });
    try {
      const results = await Promise.all([sql`select 1 as a`, sql`select 2 as b`, sql.begin((tx) => tx`select 3 as c`), sql`select 4 as d`]);
      expect(results.map((r) => Object.values(r[0])[0])).toEqual([1, 2, 3, 4]);
    } finally {
      await sql.end();
    }
  });
});
