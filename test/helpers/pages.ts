import { randomBytes } from "node:crypto";
import type { Role } from "../../app/lib/policy.js";
import type { TestServer } from "./server.js";

/** A short unique suffix for names and titles, so tests sharing a database never collide. */
export function uniq(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

/**
 * A user row without a password (cannot log in): a cheap target to change or remove,
 * skipping the argon2 hash that a real sign-up costs.
 */
export async function insertUser(app: TestServer, name = uniq("Target")): Promise<{ id: string; name: string; email: string }> {
  const email = `${name.replace(/\W+/g, "-").toLowerCase()}@example.com`;
  const [row] = await app.db.sql<{ id: string }[]>`insert into users (email, name) values (${email}, ${name}) returning id`;
  return { id: row.id, name, email };
}

/** A password-less user who is a member of the workspace with the given role. */
export async function insertMember(app: TestServer, workspaceId: string, role: Role) {
  const user = await insertUser(app);
  await app.db.sql`insert into memberships (workspace_id, user_id, role) values (${workspaceId}, ${user.id}, ${role})`;
  return user;
}

export async function roleOf(app: TestServer, workspaceId: string, userId: string): Promise<Role | null> {
  const [row] = await app.db.sql<{ role: Role }[]>`select role from memberships where workspace_id = ${workspaceId} and user_id = ${userId}`;
  return row?.role ?? null;
}

/** Undoes the HTML escapes React writes into text. */
export function unescapeHtml(text: string): string {
  return text
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** Rendered markup only: drops <script> elements (Remix repeats loader and action data there). */
export function markup(html: string): string {
  return html.replace(/<script\b[\s\S]*?<\/script>/gi, "");
}

/**
 * The text of every element rendered with role="alert" (field errors and form error
 * banners), so a test sees what the user sees, not the same words in Remix's JSON.
 */
export function alerts(html: string): string[] {
  const out: string[] = [];
  for (const m of markup(html).matchAll(/<(p|div)\b[^>]*\brole="alert"[^>]*>([\s\S]*?)<\/\1>/g)) {
    out.push(unescapeHtml(m[2].replace(/<[^>]+>/g, "")).trim());
  }
  return out;
}

/**
 * Visible text of the rendered page: tags become spaces, entities are undone, whitespace is
 * collapsed, and no space is left before punctuation ("<strong>2</strong>, …" reads "2, …").
 */
export function visibleText(html: string): string {
  return unescapeHtml(
    markup(html)
      .replace(/<style\b[\s\S]*?<\/style>/gi, " ")
      .replace(/<[^>]+>/g, " "),
  )
    .replace(/\s+/g, " ")
    .replace(/ ([,.;:!?)])/g, "$1")
    .trim();
}

/** Every invite link path (/invites/<token>) in a page's markup, in order, without repeats. */
export function inviteLinks(html: string): string[] {
  const found = [...markup(html).matchAll(/\/invites\/([A-Za-z0-9_-]{32})(?![A-Za-z0-9_-])/g)].map((m) => `/invites/${m[1]}`);
  return [...new Set(found)];
}

/** The ids of the records a list page links to, in the order they are shown (e.g. kind = "prototypes"). */
export function linkedIds(html: string, workspaceId: string, kind: "prototypes" | "goals"): string[] {
  const pattern = new RegExp(`href="/w/${workspaceId}/${kind}/([0-9a-f-]{36})"`, "g");
  const ids: string[] = [];
  for (const m of markup(html).matchAll(pattern)) if (!ids.includes(m[1])) ids.push(m[1]);
  return ids;
}
