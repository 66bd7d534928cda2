import { segments } from "~/lib/comments/mentions";

/** A comment body as text, mentions of members styled; never as HTML. */
export function CommentBody({ body, members }: { body: string; members: ReadonlyMap<string, string> }) {
  return (
    <>
      {segments(body, members).map((s, i) =>
        s.type === "mention" ? (
          <span key={i} className="mention" data-user-id={s.userId}>
            @{s.name}
          </span>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </>
  );
}
