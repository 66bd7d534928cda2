import { useEffect, useState } from "react";

const FORMAT: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short" };

/**
 * An absolute date and time ("Mar 4, 2026, 3:15 PM"). The server renders it in UTC;
 * once hydrated it switches to the reader's own time zone.
 */
export function DateTime({ date }: { date: Date | string }) {
  const d = new Date(date);
  const [local, setLocal] = useState(false);
  useEffect(() => setLocal(true), []);
  const text = local ? d.toLocaleString("en", FORMAT) : `${d.toLocaleString("en", { ...FORMAT, timeZone: "UTC" })} UTC`;
  return (
    <time dateTime={d.toISOString()} suppressHydrationWarning>
      {text}
    </time>
  );
}
