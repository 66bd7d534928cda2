/**
 * The Redis fan-out between instances, on the real Redis (REDIS_URL): binary payloads arrive intact
 * at the other instances, exactly once, never back at the sender; unsubscribing really leaves the channel.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { RedisFanout } from "../../server/redis/fanout.js";
import { createLogger } from "../../server/logger.js";
import { eventually } from "../helpers/collab.js";

const skipReason = process.env.REDIS_URL ? null : "needs REDIS_URL";
if (skipReason) console.info(`test/integration/redis-fanout.test.ts not run: ${skipReason}`);

describe.skipIf(skipReason !== null)(`the fan-out over Redis${skipReason ? ` (not run: ${skipReason})` : ""}`, () => {
  let one: RedisFanout;
  let two: RedisFanout;
  let probe: Redis;

  beforeAll(async () => {
    const logger = createLogger("silent");
    one = new RedisFanout(process.env.REDIS_URL!, logger);
    two = new RedisFanout(process.env.REDIS_URL!, logger);
    probe = new Redis(process.env.REDIS_URL!);
    await eventually(() => one.status === "up" && two.status === "up", "both linked to Redis");
  });

  afterAll(async () => {
    await one?.close();
    await two?.close();
    probe?.disconnect();
  });

  const subscribers = async (channel: string) => Number(((await probe.pubsub("NUMSUB", channel)) as [string, number])[1]);

  it("delivers binary payloads to the other instance once and never back to the sender; unsubscribe leaves the channel", async () => {
    const channel = one.docChannel(`prototype.${randomUUID()}`);
    const atOne: Buffer[] = [];
    const atTwo: Buffer[] = [];
    const stopOne = await one.subscribe(channel, (p) => atOne.push(Buffer.from(p)));
    const stopTwo = await two.subscribe(channel, (p) => atTwo.push(Buffer.from(p)));
    expect(await subscribers(channel)).toBe(2);

    // Not valid UTF-8, with NUL bytes: a Yjs update looks like this.
    const payload = Buffer.from([0, 255, 254, 0, 1, 0xc3, 0x28, 0]);
    one.publish(channel, payload);
    await eventually(() => atTwo.length === 1, "the other instance received it");
    await new Promise((r) => setTimeout(r, 200));
    expect(atTwo).toEqual([payload]);
    expect(atOne).toEqual([]);

    stopTwo();
    await eventually(async () => (await subscribers(channel)) === 1, "the second instance left the channel");
    one.publish(channel, payload);
    await new Promise((r) => setTimeout(r, 200));
    expect(atTwo).toHaveLength(1);
    stopOne();
    await eventually(async () => (await subscribers(channel)) === 0, "no instance on the channel");
    expect(one.stats).toMatchObject({ status: "up", published: 2, dropped: 0 });
  });
});

describe.skipIf(skipReason !== null)(`REDIS_PREFIX${skipReason ? ` (not run: ${skipReason})` : ""}`, () => {
  it("keeps deployments with different prefixes apart on one Redis; the same prefix shares", async () => {
    const logger = createLogger("silent");
    const blue = new RedisFanout(process.env.REDIS_URL!, logger, "pilotlab-blue");
    const blueToo = new RedisFanout(process.env.REDIS_URL!, logger, "pilotlab-blue");
    const green = new RedisFanout(process.env.REDIS_URL!, logger, "pilotlab-green");
    try {
      await eventually(() => [blue, blueToo, green].every((f) => f.status === "up"), "all linked to Redis");
      const docName = `prototype.${randomUUID()}`;
      expect(blue.docChannel(docName)).toBe(`pilotlab-blue:doc:${docName}`);
      expect(green.busChannel("inbox")).toBe("pilotlab-green:events:inbox");
      const atBlueToo: Buffer[] = [];
      const atGreen: Buffer[] = [];
      await blueToo.subscribe(blueToo.docChannel(docName), (p) => atBlueToo.push(Buffer.from(p)));
      await green.subscribe(green.docChannel(docName), (p) => atGreen.push(Buffer.from(p)));
      blue.publish(blue.docChannel(docName), Buffer.from([1, 2, 3]));
      await eventually(() => atBlueToo.length === 1, "the same deployment received it");
      await new Promise((r) => setTimeout(r, 200));
      // Same document name, other deployment: nothing arrives.
      expect(atGreen).toEqual([]);
      expect(green.stats.received).toBe(0);
    } finally {
      await Promise.all([blue.close(), blueToo.close(), green.close()]);
    }
  });
});
