import { useEffect, useId, useRef, useState, type ReactNode } from "react";

/**
 * A read-only link with a "Copy link" button. The result of copying is announced
 * through a polite live region that is in the page from the start (so screen
 * readers pick up its changes); without JS the field is still selectable.
 */
export function CopyLink({ label, value, hint, autoFocus = false }: { label: string; value: string; hint?: ReactNode; autoFocus?: boolean }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [message, setMessage] = useState("");

  useEffect(() => {
    if (!autoFocus || !input.current) return;
    input.current.focus();
    input.current.select();
  }, [autoFocus, value]);

  // A new link clears the old confirmation.
  useEffect(() => setMessage(""), [value]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setMessage("Link copied to the clipboard.");
    } catch {
      // Clipboard refused (insecure origin, permissions): leave the text selected to copy by hand.
      input.current?.focus();
      input.current?.select();
      setMessage("Couldn't copy automatically. The link is selected: press Ctrl+C (or ⌘C) to copy it.");
    }
  }

  return (
    <div className="field copy-field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      <div className="copy-box">
        <input
          ref={input}
          id={id}
          type="text"
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
          aria-describedby={hint ? `${id}-hint` : undefined}
        />
        <button type="button" className="button button-secondary" onClick={copy}>
          Copy link
        </button>
      </div>
      <p className="copy-status" role="status" aria-live="polite">
        {message}
      </p>
    </div>
  );
}
