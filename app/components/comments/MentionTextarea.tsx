import { useId, useRef, useState, type KeyboardEvent } from "react";
import { useIsomorphicLayoutEffect } from "~/lib/useIsomorphicLayoutEffect";
import { mentionToken } from "~/lib/comments/mentions";

export interface MentionMember {
  userId: string;
  name: string;
}

/** "@" and the letters typed after it, right before the caret. */
const QUERY = /(^|\s)@([\p{L}\p{N}._'-]{0,40})$/u;
const MAX_OPTIONS = 6;

/**
 * A comment textarea with @mention autocomplete: typing "@" and letters lists matching members
 * (a listbox the textarea points at with aria-activedescendant); choosing one inserts its token.
 */
export function MentionTextarea({
  name,
  label,
  members,
  defaultValue = "",
  autoFocus,
  error,
  onSubmitShortcut,
}: {
  name: string;
  label: string;
  members: readonly MentionMember[];
  defaultValue?: string;
  autoFocus?: boolean;
  error?: string;
  onSubmitShortcut?: () => void;
}) {
  const id = useId();
  const ref = useRef<HTMLTextAreaElement>(null);
  const [value, setValue] = useState(defaultValue);
  const [query, setQuery] = useState<{ text: string; start: number } | null>(null);
  const [index, setIndex] = useState(0);
  // Where the caret goes after a chosen mention is rendered (before the next keystroke lands).
  const pendingCaret = useRef<number | null>(null);
  useIsomorphicLayoutEffect(() => {
    const el = ref.current;
    if (el && pendingCaret.current !== null) {
      el.setSelectionRange(pendingCaret.current, pendingCaret.current);
      pendingCaret.current = null;
    }
  }, [value]);

  const options = query
    ? members
        .filter((m) => {
          const q = query.text.toLowerCase();
          return !q || m.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)) || m.name.toLowerCase().startsWith(q);
        })
        .slice(0, MAX_OPTIONS)
    : [];
  const open = options.length > 0;
  const listId = `${id}-mentions`;
  const optionId = (i: number) => `${id}-mention-${i}`;

  const update = (text: string, caret: number) => {
    setValue(text);
    const m = QUERY.exec(text.slice(0, caret));
    if (m) {
      setQuery({ text: m[2], start: caret - m[2].length - 1 });
      setIndex(0);
    } else setQuery(null);
  };

  const choose = (member: MentionMember) => {
    const el = ref.current;
    if (!el || !query) return;
    const caret = el.selectionStart ?? value.length;
    const token = `${mentionToken({ id: member.userId, name: member.name })} `;
    const next = value.slice(0, query.start) + token + value.slice(caret);
    pendingCaret.current = query.start + token.length;
    setValue(next);
    setQuery(null);
    el.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && onSubmitShortcut) {
      event.preventDefault();
      onSubmitShortcut();
      return;
    }
    if (!open) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      setIndex((i) => (i + (event.key === "ArrowDown" ? 1 : -1) + options.length) % options.length);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(options[Math.min(index, options.length - 1)]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      setQuery(null);
    }
  };

  const errorId = `${id}-error`;
  return (
    <div className="field mention-field">
      <label htmlFor={`${id}-input`}>{label}</label>
      <textarea
        ref={ref}
        id={`${id}-input`}
        name={name}
        value={value}
        rows={3}
        autoFocus={autoFocus}
        aria-autocomplete="list"
        aria-controls={open ? listId : undefined}
        aria-activedescendant={open ? optionId(Math.min(index, options.length - 1)) : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(e) => update(e.target.value, e.target.selectionStart ?? e.target.value.length)}
        onKeyDown={onKeyDown}
        onBlur={() => setQuery(null)}
      />
      {open ? (
        <ul className="mention-options" role="listbox" id={listId} aria-label="Mention a member">
          {options.map((m, i) => (
            <li
              key={m.userId}
              id={optionId(i)}
              role="option"
              aria-selected={i === index}
              className={i === index ? "mention-option mention-option-active" : "mention-option"}
              // Keep the textarea focused: choosing happens before it would blur.
              onMouseDown={(e) => {
                e.preventDefault();
                choose(m);
              }}
            >
              {m.name}
            </li>
          ))}
        </ul>
      ) : null}
      {error ? (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
