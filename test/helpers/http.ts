import { unescapeHtml } from "./pages.js";
/** A tiny cookie-keeping HTTP client that behaves like a same-origin browser form. */
export class HttpClient {
  cookies = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    /** Origin header for mutating requests; null sends none. */
    readonly origin: string | null = baseUrl,
    /** Headers sent with every request, e.g. X-Forwarded-For to act as another client IP. */
    readonly headers: Record<string, string> = {},
  ) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private remember(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(this.headers)) if (!headers.has(k)) headers.set(k, v);
    if (this.cookies.size) headers.set("cookie", this.cookieHeader);
    const method = (init.method ?? "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD" && this.origin && !headers.has("origin")) headers.set("origin", this.origin);
    const res = await fetch(new URL(path, this.baseUrl), { ...init, headers, redirect: "manual" });
    this.remember(res);
    return res;
  }

  get(path: string, init: RequestInit = {}) {
    return this.request(path, init);
  }

  /** POSTs a URL-encoded form, as a browser form would. */
  post(path: string, form: Record<string, string>, init: RequestInit = {}) {
    return this.request(path, { ...init, method: "POST", body: new URLSearchParams(form) });
  }
}

/** The path a redirect response points at. */
export function location(res: Response): string | null {
  const loc = res.headers.get("location");
  return loc ? new URL(loc, "http://x").pathname + new URL(loc, "http://x").search : null;
}

let ipCounter = 0;
/**
 * A client IP no other test uses, to send as X-Forwarded-For (the server trusts it from
 * loopback), so per-IP throttles of one test never leak into another.
 */
export function fakeIp(): string {
  ipCounter++;
  return `10.${process.pid % 250}.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
}

/** A response body with React's HTML escapes undone, to search for visible text. */
export async function pageText(res: Response): Promise<string> {
  return unescapeHtml(await res.text());
}

/** A page that requires login (part of the foundation, so it exists whatever else is being built). */
export const PROTECTED_PAGE = "/workspaces/new";
