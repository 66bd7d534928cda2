import { useEffect, useRef, useState } from "react";
import { useRevalidator } from "@remix-run/react";

export type LiveState = "connecting" | "live" | "offline";

/** Coalescing window: a burst of events causes one reload. */
const COALESCE_MS = 150;

/**
 * Follows a server-sent event stream (a prototype's `decision` / `comment` events, the inbox's
 * `inbox` events) and reloads the page's data when one of the given kinds arrives: the events carry
 * only ids, the loaders re-read with the viewer's permissions.
 */
export function useLiveEvents(url: string, kinds: readonly string[]): LiveState {
  const revalidator = useRevalidator();
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;
  const [state, setState] = useState<LiveState>("connecting");
  const kindsKey = kinds.join(",");
  useEffect(() => {
    if (typeof EventSource === "undefined") {
      setState("offline");
      return;
    }
    const source = new EventSource(url);
    let timer: ReturnType<typeof setTimeout> | null = null;
    const onEvent = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        // A navigation away aborts the reload (an AbortError rejection): nothing is lost, the next page loads its own.
        Promise.resolve(revalidate.current()).catch(() => {});
      }, COALESCE_MS);
    };
    source.onopen = () => setState("live");
    // The browser reconnects by itself unless the server refused the stream.
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? "offline" : "connecting");
    const names = kindsKey.split(",").filter(Boolean);
    for (const name of names) source.addEventListener(name, onEvent);
    return () => {
      if (timer) clearTimeout(timer);
      for (const name of names) source.removeEventListener(name, onEvent);
      source.close();
    };
  }, [url, kindsKey]);
  return state;
}
