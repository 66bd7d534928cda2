import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Launches Debian's Chromium headless; fails (never skips) with an install hint when it is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Browser tests need Chromium at ${CHROMIUM_PATH}. Install it with "apt-get update && apt-get install -y chromium" ` +
        `(or set CHROMIUM_PATH). .ci/run installs it automatically.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
}

/**
 * A page in its own browser context (its own cookies and storage, like a separate person),
 * recording console errors so tests can assert there were none.
 */
export async function newPerson(browser: Browser, baseURL: string): Promise<WatchedPage> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const where = msg.location().url;
    errors.push(where ? `${msg.text()} [${where}]` : msg.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  return { page, context, errors };
}

/**
 * Waits until React has hydrated the whole document: the root <html> element gets React's
 * fiber key in the same task as the hydration commit, so once it is there, handlers are live.
 * Polls on a timer, not on animation frames, so a page in a background window still counts.
 * On timeout, says why (missing Remix context, scripts that failed to load).
 */
export async function waitForHydration(page: Page, { timeout }: { timeout?: number } = {}) {
  try {
    await page.waitForFunction(
      () =>
        (window as unknown as { __remixContext?: unknown }).__remixContext !== undefined &&
        document.readyState === "complete" &&
        Object.keys(document.documentElement).some((key) => key.startsWith("__reactFiber$")),
      undefined,
      { polling: 50, timeout },
    );
  } catch (error) {
    const state = await page
      .evaluate(() => ({
        url: location.href,
        readyState: document.readyState,
        remixContext: (window as unknown as { __remixContext?: unknown }).__remixContext !== undefined,
        failed: (performance.getEntriesByType("resource") as (PerformanceResourceTiming & { responseStatus?: number })[])
          .filter((r) => (r.responseStatus ?? 200) >= 400)
          .map((r) => `${r.responseStatus} ${r.name}`),
      }))
      .catch(() => null);
    const hint = state?.failed.some((f) => f.includes("/build/"))
      ? " Scripts of the app build failed to load: was the app rebuilt (npx remix build) while the tests ran?"
      : "";
    throw new Error(`The page did not hydrate: ${JSON.stringify(state)}.${hint}`, { cause: error });
  }
}

const FAILED_RESOURCE = /^Failed to load resource: the server responded with a status of (\d{3})\b/;

/**
 * Fails when the page logged a console error or threw, except Chromium's "Failed to load
 * resource … status of N" for statuses the test expects (an intentional 400, 403, 404, 410).
 * Clears what it checked, so each test asserts only on its own errors.
 */
export function expectNoConsoleErrors(person: WatchedPage, { expectedStatuses = [] }: { expectedStatuses?: number[] } = {}) {
  const seen = person.errors.splice(0);
  const unexpected = seen.filter((text) => {
    const match = FAILED_RESOURCE.exec(text);
    return !(match && expectedStatuses.includes(Number(match[1])));
  });
  if (unexpected.length) {
    throw new Error(`Unexpected console errors in the browser (${unexpected.length}):\n${unexpected.map((e) => `  - ${e}`).join("\n")}`);
  }
}

/** Logs in through the real login form and waits to leave the login page. */
/**
 * Someone signed in, in a browser context of their own, on a prototype page whose live document
 * is connected (callers then wait for what their page should show).
 */
export async function openLivePrototype(browser: Browser, baseURL: string, who: { email: string; password: string }, url: string): Promise<WatchedPage> {
  const person = await newPerson(browser, baseURL);
  await logIn(person.page, who.email, who.password);
  await person.page.goto(url);
  await waitForHydration(person.page);
  await person.page.locator('.connection[data-state="connected"]').waitFor();
  return person;
}

export async function logIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((url) => url.pathname !== "/login");
}

/** The text of the elements an input's aria-describedby points at (its hint and inline error). */
export async function describedBy(locator: Locator): Promise<string> {
  return locator.evaluate((el) =>
    (el.getAttribute("aria-describedby") ?? "")
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent?.trim() ?? "")
      .join(" "),
  );
}

/** The visible text of the element that has keyboard focus, with its tag. */
export async function focused(page: Page): Promise<{ tag: string; text: string; label: string | null; href: string | null }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const labels = (el as HTMLInputElement | null)?.labels;
    return {
      tag: el?.tagName.toLowerCase() ?? "",
      text: el?.textContent?.trim() ?? "",
      label: labels && labels.length ? (labels[0].textContent?.trim() ?? null) : (el?.getAttribute("aria-label") ?? null),
      href: el?.getAttribute("href") ?? null,
    };
  });
}

/**
 * During development, set BROWSER_SCREENSHOTS=<dir> to save a full-page screenshot of each
 * main page there to look at the layout. Never asserted on; does nothing otherwise.
 */
export async function screenshot(page: Page, name: string) {
  const dir = process.env.BROWSER_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/**
 * Signs a person in without the login form: starts a real server-side session for the user
 * and puts its cookie in the person's browser context. For tests whose subject isn't logging in.
 */
export async function signInAs(person: WatchedPage, app: { url: string; services: { sessions: { create(userId: string): Promise<{ cookie: string }> } } }, userId: string) {
  const { cookie } = await app.services.sessions.create(userId);
  const [pair] = cookie.split(";");
  const eq = pair.indexOf("=");
  await person.context.addCookies([{ name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), url: app.url, httpOnly: true, sameSite: "Lax" }]);
}
