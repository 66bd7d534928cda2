import type { ReactNode } from "react";
import { Badge } from "./ui";
import type { FormStatus } from "~/lib/feedback/questions";

/** Shared pieces of the feedback pages (builder, list, results). */

const STATUS_LABELS: Record<FormStatus, string> = { draft: "Draft", open: "Open", closed: "Closed" };

export function FormStatusBadge({ status }: { status: FormStatus }) {
  return (
    <Badge tone={`form-${status}`}>
      <span className="visually-hidden">Status: </span>
      {STATUS_LABELS[status]}
    </Badge>
  );
}

/** A checkbox with its label on the same line, hint and error wired for screen readers. */
export function CheckboxField({ label, name, defaultChecked, hint, id }: { label: string; name: string; defaultChecked?: boolean; hint?: string; id: string }) {
  return (
    <div className="field field-check">
      <label htmlFor={id}>
        <input type="checkbox" id={id} name={name} value="on" defaultChecked={defaultChecked} aria-describedby={hint ? `${id}-hint` : undefined} />
        {label}
      </label>
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export interface Bar {
  label: string;
  count: number;
  /** Extra text after the count, e.g. a share. */
  note?: string;
}

/**
 * A horizontal bar chart drawn with CSS and hidden from assistive tech; the same numbers are in
 * a real table behind it, which screen readers read instead.
 */
export function BarChart({ caption, bars, valueHeader, countHeader = "Answers" }: { caption: ReactNode; bars: Bar[]; valueHeader: string; countHeader?: string }) {
  const max = Math.max(1, ...bars.map((b) => b.count));
  return (
    <figure className="bar-chart">
      <div className="bars" aria-hidden="true">
        {bars.map((b) => (
          <div className="bar-row" key={b.label}>
            <span className="bar-label">{b.label}</span>
            <span className="bar-track">
              <span className="bar-fill" style={{ width: `${(b.count / max) * 100}%` }} />
            </span>
            <span className="bar-value">
              {b.count}
              {b.note ? ` · ${b.note}` : ""}
            </span>
          </div>
        ))}
      </div>
      {/* The same figures as a table for screen readers (a wrapper hides it: a table won't shrink to 1px). */}
      <div className="visually-hidden">
        <table>
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{valueHeader}</th>
              <th scope="col">{countHeader}</th>
              {bars.some((b) => b.note) ? <th scope="col">Share</th> : null}
            </tr>
          </thead>
          <tbody>
            {bars.map((b) => (
              <tr key={b.label}>
                <th scope="row">{b.label}</th>
                <td>{b.count}</td>
                {bars.some((x) => x.note) ? <td>{b.note ?? ""}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

/** "42%" from a 0..1 share. */
export const percent = (share: number) => `${Math.round(share * 100)}%`;
