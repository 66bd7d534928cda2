import { useEffect, useId, useRef, useState } from "react";
import * as Y from "yjs";
import { cardsMap, cardText, type TextField } from "~/lib/experiments/cards";
import { mapPosition, minimalDiff, type Delta } from "./textDiff";

/** The field's Y.Text, followed when it is replaced (the server restores a locked field with a new one). */
function useFieldText(doc: Y.Doc, cardId: string, field: TextField, create: boolean): Y.Text | string | null {
  const read = (allowCreate: boolean): Y.Text | string | null => {
    const map = cardsMap(doc).get(cardId);
    if (!(map instanceof Y.Map)) return null;
    const value = map.get(field);
    if (value instanceof Y.Text) return value;
    // Creating is a write: only writers do it; readers show what is there.
    if (allowCreate) return cardText(doc, cardId, field);
    return typeof value === "string" ? value : "";
  };
  // Never write during render: a missing field is created (by a writer) in the effect.
  const [text, setText] = useState<Y.Text | string | null>(() => read(false));
  useEffect(() => {
    setText(read(create));
    const cards = cardsMap(doc);
    const onChange = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
      for (const event of events) {
        if (!(event instanceof Y.YMapEvent)) continue;
        const replacedCard = event.target === cards && event.keysChanged.has(cardId);
        const replacedField = event.path.length === 1 && event.path[0] === cardId && event.keysChanged.has(field);
        if (replacedCard || replacedField) {
          setText(read(create));
          return;
        }
      }
    };
    cards.observeDeep(onChange);
    return () => cards.unobserveDeep(onChange);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [doc, cardId, field, create]);
  return text;
}

interface BoundControlProps {
  label: string;
  readOnly: boolean;
  multiline?: boolean;
  maxLength: number;
  placeholder?: string;
  hint?: string;
  autoFocus?: boolean;
}

/**
 * A textarea (or one-line input) bound to a card's Y.Text: local input is applied as a minimal
 * splice; remote changes update the control and keep the local caret where it was in the text.
 */
export function BoundText({ doc, cardId, field, ...control }: { doc: Y.Doc; cardId: string; field: TextField } & BoundControlProps) {
  const text = useFieldText(doc, cardId, field, !control.readOnly);
  return <BoundYText doc={doc} text={text} field={field} {...control} />;
}

/**
 * The control behind BoundText, for any Y.Text (a sprint's idea notes too); a plain string shows
 * read-only content, null nothing yet.
 */
export function BoundYText({
  doc,
  text,
  field,
  label,
  readOnly,
  multiline = true,
  maxLength,
  placeholder,
  hint,
  autoFocus,
}: { doc: Y.Doc; text: Y.Text | string | null; field: string } & BoundControlProps) {
  const id = useId();
  const ref = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  const origin = useRef(Symbol(`bound-${field}`)).current;

  useEffect(() => {
    const el = ref.current;
    if (!el || text === null) return;
    if (typeof text === "string") {
      el.value = text;
      return;
    }
    const keepCaret = document.activeElement === el;
    const start = el.selectionStart ?? 0;
    const end = el.selectionEnd ?? 0;
    el.value = text.toString();
    if (keepCaret) el.setSelectionRange(Math.min(start, el.value.length), Math.min(end, el.value.length));
    const onRemote = (event: Y.YTextEvent, txn: Y.Transaction) => {
      if (txn.origin === origin) return;
      const focused = document.activeElement === el;
      const s = el.selectionStart ?? 0;
      const e = el.selectionEnd ?? 0;
      const dir = el.selectionDirection ?? "none";
      el.value = text.toString();
      if (focused) el.setSelectionRange(mapPosition(s, event.delta as Delta), mapPosition(e, event.delta as Delta), dir);
    };
    text.observe(onRemote);
    return () => text.unobserve(onRemote);
  }, [text, origin]);

  const onInput = () => {
    const el = ref.current;
    if (!el || !(text instanceof Y.Text) || readOnly) return;
    const { index, remove, insert } = minimalDiff(text.toString(), el.value);
    if (!remove && !insert) return;
    doc.transact(() => {
      if (remove) text.delete(index, remove);
      if (insert) text.insert(index, insert);
    }, origin);
  };

  const hintId = hint ? `${id}-hint` : undefined;
  const common = {
    id,
    ref,
    readOnly,
    maxLength,
    placeholder,
    onInput,
    "aria-describedby": hintId,
    "data-field": field,
    "data-autofocus": autoFocus ? "" : undefined,
  };
  return (
    <div className={`field${readOnly ? " field-readonly" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {multiline ? <textarea rows={3} {...common} /> : <input type="text" autoComplete="off" {...common} />}
      {hint ? (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}
