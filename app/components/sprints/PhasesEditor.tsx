import { useRef, useState } from "react";
import { PHASE_INSTRUCTIONS_MAX, PHASE_KINDS, PHASE_KIND_LABELS, PHASE_MINUTES_MAX, PHASE_MINUTES_MIN, PHASE_NAME_MAX, PHASES_MAX, type PhaseDraft } from "~/lib/sprints/phases";

interface Row extends PhaseDraft {
  key: number;
}

/**
 * The phases of a new sprint as an editable list: rename, set what it is for, minutes and
 * instructions, move up or down, remove, add. Posts every phase as repeated `phase*` fields, in order.
 */
export function PhasesEditor({ initial, error, errorIndex }: { initial: PhaseDraft[]; error?: string; errorIndex?: number | null }) {
  const next = useRef(initial.length);
  const [rows, setRows] = useState<Row[]>(() => initial.map((p, key) => ({ ...p, key })));
  const [announcement, setAnnouncement] = useState("");
  const update = (key: number, change: Partial<PhaseDraft>) => setRows((all) => all.map((r) => (r.key === key ? { ...r, ...change } : r)));
  const move = (index: number, by: -1 | 1) => {
    setRows((all) => {
      const copy = [...all];
      const [row] = copy.splice(index, 1);
      copy.splice(index + by, 0, row);
      setAnnouncement(`${row.name || "Phase"} moved to position ${index + by + 1}.`);
      return copy;
    });
  };
  const remove = (index: number) => {
    setRows((all) => {
      setAnnouncement(`${all[index].name || "Phase"} removed.`);
      return all.filter((_, i) => i !== index);
    });
  };
  const add = () => {
    setRows((all) => [...all, { key: next.current++, name: "", kind: "diverge", instructions: "", minutes: "15" }]);
    setAnnouncement("Phase added at the end.");
  };
  const total = rows.reduce((sum, r) => sum + (Number(r.minutes) || 0), 0);

  return (
    <fieldset className={`phases-editor${error ? " field-invalid" : ""}`} aria-describedby={error ? "phases-error" : undefined}>
      <legend>Phases</legend>
      <p className="field-hint">
        {rows.length} phase{rows.length === 1 ? "" : "s"}, {total} minutes in all. Everyone moves through them together; the timer starts from each phase's minutes.
      </p>
      {error ? (
        <p className="field-error" id="phases-error" role="alert">
          {error}
        </p>
      ) : null}
      <ol className="phase-rows">
        {rows.map((row, index) => {
          const n = index + 1;
          const id = `phase-${row.key}`;
          return (
            <li key={row.key} className={`phase-row${errorIndex === index ? " field-invalid" : ""}`}>
              <fieldset>
                <legend>Phase {n}</legend>
                <div className="form-row">
                  <div className="field">
                    <label htmlFor={`${id}-name`}>Name</label>
                    <input id={`${id}-name`} name="phaseName" value={row.name} maxLength={PHASE_NAME_MAX} required onChange={(e) => update(row.key, { name: e.target.value })} />
                  </div>
                  <div className="field">
                    <label htmlFor={`${id}-kind`}>Kind</label>
                    <select id={`${id}-kind`} name="phaseKind" value={row.kind} onChange={(e) => update(row.key, { kind: e.target.value })}>
                      {PHASE_KINDS.map((k) => (
                        <option key={k} value={k}>
                          {PHASE_KIND_LABELS[k]}
                        </option>
                      ))}
                    </select>
                  </div>
                  <div className="field field-minutes">
                    <label htmlFor={`${id}-minutes`}>Minutes</label>
                    <input
                      id={`${id}-minutes`}
                      name="phaseMinutes"
                      type="number"
                      inputMode="numeric"
                      min={PHASE_MINUTES_MIN}
                      max={PHASE_MINUTES_MAX}
                      step={1}
                      value={row.minutes}
                      required
                      onChange={(e) => update(row.key, { minutes: e.target.value })}
                    />
                  </div>
                </div>
                <div className="field">
                  <label htmlFor={`${id}-instructions`}>Instructions</label>
                  <textarea
                    id={`${id}-instructions`}
                    name="phaseInstructions"
                    rows={2}
                    maxLength={PHASE_INSTRUCTIONS_MAX}
                    value={row.instructions}
                    onChange={(e) => update(row.key, { instructions: e.target.value })}
                  />
                </div>
                <div className="phase-row-actions">
                  <button type="button" className="button button-small button-secondary" disabled={index === 0} onClick={() => move(index, -1)} aria-label={`Move phase ${n} up`}>
                    ↑ Up
                  </button>
                  <button
                    type="button"
                    className="button button-small button-secondary"
                    disabled={index === rows.length - 1}
                    onClick={() => move(index, 1)}
                    aria-label={`Move phase ${n} down`}
                  >
                    ↓ Down
                  </button>
                  <button type="button" className="button button-small button-danger" disabled={rows.length === 1} onClick={() => remove(index)} aria-label={`Remove phase ${n}`}>
                    Remove
                  </button>
                </div>
              </fieldset>
            </li>
          );
        })}
      </ol>
      <button type="button" className="button button-secondary button-small" onClick={add} disabled={rows.length >= PHASES_MAX}>
        + Add phase
      </button>
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
    </fieldset>
  );
}
