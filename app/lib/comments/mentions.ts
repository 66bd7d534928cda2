/**
 * Comment bodies are plain text. A mention is written `@[Name](user-id)`: the id decides who is
 * meant (two people called Ana are never confused) and the name is only what the author saw.
 * Bodies are shown as segments, never as HTML.
 */

const MENTION = /@\[([^\]\n]{1,100})\]\(([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)/gi;

export const COMMENT_BODY_MAX = 5000;

export type Segment = { type: "text"; text: string } | { type: "mention"; userId: string; name: string };

/** The user ids mentioned in a body, each once, in order. */
export function mentionedIds(body: string): string[] {
  const ids: string[] = [];
  for (const match of body.matchAll(MENTION)) {
    const id = match[2].toLowerCase();
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/**
 * Splits a body into text and mentions. A mention of someone who is not a member (any more) is
 * shown as the plain text the author typed, "@Name".
 */
export function segments(body: string, members: ReadonlyMap<string, string>): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  const push = (text: string) => {
    if (!text) return;
    const prev = out[out.length - 1];
    if (prev?.type === "text") prev.text += text;
    else out.push({ type: "text", text });
  };
  for (const match of body.matchAll(MENTION)) {
    push(body.slice(last, match.index));
    const id = match[2].toLowerCase();
    const name = members.get(id);
    if (name) out.push({ type: "mention", userId: id, name });
    else push(`@${match[1]}`);
    last = (match.index ?? 0) + match[0].length;
  }
  push(body.slice(last));
  return out;
}

/** The token the editor inserts for a chosen member. Brackets in names can't break it. */
export function mentionToken(member: { id: string; name: string }): string {
  return `@[${member.name.replace(/[\[\]\n]/g, " ").trim()}](${member.id})`;
}
