/** An owner connects the workspace's Learning Record Store and sees answers being delivered to it. */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { createPrototype, createUser, createWorkspace } from "../helpers/factories.js";
import { expectNoConsoleErrors, launchBrowser, newPerson, signInAs, waitForHydration, type WatchedPage } from "../helpers/browser.js";
import { answerValues, makeForm, questionInput } from "../helpers/feedback.js";
import { answerField } from "../../app/lib/feedback/questions.js";

let app: TestServer;
let browser: Browser;
let lrs: http.Server;
let lrsUrl: string;
const received: { auth: string | undefined; ids: string[] }[] = [];
let ownerId: string;
let ws: { id: string };
let person: WatchedPage;

beforeAll(async () => {
  // Senders are driven by the test (tick), not by the clock.
  app = await startTestServer({ lrsOptions: { intervalMs: 3_600_000, retryBaseMs: 1 } });
  const owner = await createUser(app, { name: "Olga Owner" });
  ownerId = owner.id;
  ws = await createWorkspace(app, owner.id);
  lrs = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ auth: req.headers.authorization, ids: (JSON.parse(body) as { id: string }[]).map((s) => s.id) });
      res.writeHead(200, { "content-type": "application/json" }).end("[]");
    });
  });
  await new Promise<void>((resolve) => lrs.listen(0, "127.0.0.1", () => resolve()));
  lrsUrl = `http://127.0.0.1:${(lrs.address() as AddressInfo).port}/xapi/`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await person?.context.close().catch(() => {});
  await browser?.close();
  await app?.close();
  await new Promise((r) => lrs?.close(r));
});

describe("the workspace's Learning Record Store", () => {
  it("an owner connects it, and the settings page shows statements waiting, then sent", async () => {
    person = await newPerson(browser, app.url);
    await signInAs(person, app, ownerId);
    const { page } = person;
    await page.goto(`/w/${ws.id}/settings`);
    await waitForHydration(page);
    const section = page.getByRole("region", { name: "Learning Record Store (xAPI)" });

    // A bad endpoint is refused next to the field.
    await section.getByLabel("Endpoint").fill("not a url");
    await section.getByRole("button", { name: "Connect LRS" }).click();
    await expect.poll(() => section.getByText(/Enter the LRS endpoint as a URL/).count()).toBe(1);

    await section.getByLabel("Endpoint").fill(lrsUrl);
    await section.getByLabel("Key (username)").fill("pilot-key");
    await section.getByLabel("Secret (password)").fill("pilot-secret");
    await section.getByRole("button", { name: "Connect LRS" }).click();
    await page.getByText("Learning Record Store connection saved.").waitFor();
    // The secret is never sent back to the page.
    expect(await page.content()).not.toContain("pilot-secret");
    await section.getByText("A secret is stored. Leave empty to keep it.").waitFor();

    // A participant answers a form of this workspace: its statements wait in the outbox.
    const prototypeId = (await createPrototype(app, ws.id)).id;
    const form = await makeForm(app, { workspaceId: ws.id, prototypeId, userId: ownerId }, [questionInput("rating")]);
    const result = await app.services.feedback.submit({
      token: form.token!,
      submissionId: randomUUID(),
      ip: "198.51.100.7",
      browserId: null,
      values: answerValues([[answerField(form.ids[0]), "5"]]),
    });
    expect(result.ok).toBe(true);
    await page.reload();
    await waitForHydration(page);
    expect(await page.getByTestId("lrs-pending").innerText()).toBe("1");
    expect(await page.getByTestId("lrs-sent").innerText()).toBe("0");

    await app.lrs.tick();
    await page.reload();
    await waitForHydration(page);
    expect(await page.getByTestId("lrs-sent").innerText()).toBe("1");
    expect(await page.getByTestId("lrs-pending").innerText()).toBe("0");
    expect(received).toHaveLength(1);
    expect(received[0].auth).toBe(`Basic ${Buffer.from("pilot-key:pilot-secret").toString("base64")}`);

    // Saving again without a secret keeps the stored one.
    await section.getByRole("button", { name: "Save connection" }).click();
    await page.getByText("Learning Record Store connection saved.").waitFor();
    expect(await app.services.feedback.lrs(ws.id)).toMatchObject({ hasPassword: true, endpoint: lrsUrl });
    expectNoConsoleErrors(person, { expectedStatuses: [400] });
  });
});
