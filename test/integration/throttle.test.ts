import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { HttpClient, fakeIp, pageText } from "../helpers/http.js";
import { createUser, PASSWORD } from "../helpers/factories.js";
import { LOGIN_MAX_FAILURES_PER_ACCOUNT, LOGIN_MAX_FAILURES_PER_IP } from "../../app/lib/limits.js";

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app?.close();
});

/** A client that appears to come from `ip` (the server trusts X-Forwarded-For from loopback). */
const from = (ip: string) => new HttpClient(app.url, app.url, { "x-forwarded-for": ip });

async function attempt(ip: string, email: string, password: string) {
  const res = await from(ip).post("/login", { email, password });
  return { status: res.status, text: await pageText(res) };
}

async function failTimes(ip: string, email: string, times: number) {
  for (let i = 0; i < times; i++) {
    const { status } = await attempt(ip, email, `wrong password ${i}`);
    expect(status).toBe(400);
  }
}

function minutesToWait(text: string): number {
  const match = /Try again in (\d+) minutes?\./.exec(text);
  expect(match, "the page says when to try again").not.toBeNull();
  return Number(match![1]);
}

const accountKey = (email: string) => `login:email:${email.toLowerCase()}`;

describe("login throttling", () => {
  it(`after ${LOGIN_MAX_FAILURES_PER_ACCOUNT} failed logins for one email, even the right password gets 429 and a wait in whole minutes`, async () => {
    const user = await createUser(app);
    const ip = fakeIp();
    await failTimes(ip, user.email, LOGIN_MAX_FAILURES_PER_ACCOUNT);
    const { status, text } = await attempt(ip, user.email, PASSWORD);
    expect(status).toBe(429);
    const minutes = minutesToWait(text);
    expect(Number.isInteger(minutes)).toBe(true);
    expect(minutes).toBeGreaterThanOrEqual(1);
    expect(minutes).toBeLessThanOrEqual(15);
    // The account is locked from anywhere, not only from the IP that failed.
    expect((await attempt(fakeIp(), user.email, PASSWORD)).status).toBe(429);
    expect(await app.services.accounts.sessionCount(user.id)).toBe(0);
  });

  it("counts failures per account whatever case the email is typed in", async () => {
    const user = await createUser(app);
    const variants = [user.email, user.email.toUpperCase(), ` ${user.email} `, user.email.replace(/^./, (c) => c.toUpperCase())];
    for (let i = 0; i < LOGIN_MAX_FAILURES_PER_ACCOUNT; i++) {
      expect((await attempt(fakeIp(), variants[i % variants.length], "wrong")).status).toBe(400);
    }
    expect((await attempt(fakeIp(), user.email, PASSWORD)).status).toBe(429);
  });

  it("tells the user how long is left, counted from the oldest failure in the window", async () => {
    const user = await createUser(app);
    await failTimes(fakeIp(), user.email, LOGIN_MAX_FAILURES_PER_ACCOUNT);
    // Ten minutes ago, of a fifteen-minute window: five minutes to go.
    await app.db.sql`update login_attempts set attempted_at = now() - interval '10 minutes' where key = ${accountKey(user.email)}`;
    const { status, text } = await attempt(fakeIp(), user.email, PASSWORD);
    expect(status).toBe(429);
    expect(minutesToWait(text)).toBe(5);
  });

  it(`another email from the same IP still logs in, until the IP reaches ${LOGIN_MAX_FAILURES_PER_IP} failures`, async () => {
    const ip = fakeIp();
    const locked = await createUser(app);
    const other = await createUser(app);
    const last = await createUser(app);
    await failTimes(ip, locked.email, LOGIN_MAX_FAILURES_PER_ACCOUNT);
    expect((await attempt(ip, locked.email, PASSWORD)).status).toBe(429);
    expect((await attempt(ip, other.email, PASSWORD)).status).toBe(302);
    // Spread the rest of the IP's failures over emails that never reach the account limit.
    const remaining = LOGIN_MAX_FAILURES_PER_IP - LOGIN_MAX_FAILURES_PER_ACCOUNT;
    for (let i = 0; i < remaining; i++) {
      if (i === remaining - 1) {
        // One failure short of the IP limit, the right password still works.
        expect((await attempt(ip, other.email, PASSWORD)).status).toBe(302);
      }
      const email = `spray-${i % 4}-${ip}@example.com`;
      expect((await attempt(ip, email, "guess")).status).toBe(400);
    }
    const { status, text } = await attempt(ip, last.email, PASSWORD);
    expect(status).toBe(429);
    expect(minutesToWait(text)).toBeGreaterThanOrEqual(1);
    // The same account from another network is fine: the IP is throttled, not the user.
    expect((await attempt(fakeIp(), last.email, PASSWORD)).status).toBe(302);
  }, 120_000);

  it("lets the user log in again once their failures are older than the 15-minute window", async () => {
    const user = await createUser(app);
    const ip = fakeIp();
    await failTimes(ip, user.email, LOGIN_MAX_FAILURES_PER_ACCOUNT);
    expect((await attempt(ip, user.email, PASSWORD)).status).toBe(429);
    await app.db.sql`
      update login_attempts set attempted_at = now() - interval '15 minutes 1 second'
      where key in (${accountKey(user.email)}, ${`login:ip:${ip}`})`;
    expect((await attempt(ip, user.email, PASSWORD)).status).toBe(302);
  });

  it("a successful login clears that account's failures but not the IP's", async () => {
    const user = await createUser(app);
    const ip = fakeIp();
    await failTimes(ip, user.email, LOGIN_MAX_FAILURES_PER_ACCOUNT - 1);
    expect((await attempt(ip, user.email, PASSWORD)).status).toBe(302);
    const counts = async () => {
      const rows = await app.db.sql<{ key: string; n: number }[]>`
        select key, count(*)::int as n from login_attempts where key in (${accountKey(user.email)}, ${`login:ip:${ip}`}) group by key`;
      return Object.fromEntries(rows.map((r) => [r.key, r.n]));
    };
    expect(await counts()).toEqual({ [`login:ip:${ip}`]: LOGIN_MAX_FAILURES_PER_ACCOUNT - 1 });
    // Without the reset this would be failure number 5..8 in the window and lock the account.
    await failTimes(ip, user.email, LOGIN_MAX_FAILURES_PER_ACCOUNT - 1);
    expect((await attempt(ip, user.email, PASSWORD)).status).toBe(302);
  });

  it("does not record refused attempts while throttled, so waiting it out is enough", async () => {
    const user = await createUser(app);
    const ip = fakeIp();
    await failTimes(ip, user.email, LOGIN_MAX_FAILURES_PER_ACCOUNT);
    for (let i = 0; i < 3; i++) expect((await attempt(ip, user.email, "still wrong")).status).toBe(429);
    const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from login_attempts where key = ${accountKey(user.email)}`;
    expect(n).toBe(LOGIN_MAX_FAILURES_PER_ACCOUNT);
  });
});
