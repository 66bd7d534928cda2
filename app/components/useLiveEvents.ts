import { useEffect, useRef, useState } from "react";
import { useFetchers, useNavigation, useRevalidator } from "@remix-run/react";

export type LiveState = "connecting" | "live" | "offline";

/** Coalescing window: a burst of events causes one reload. */
const COALESCE_MS = 150;

/** The event a stream may send first (and after each reconnect): the version of what it follows. */
export const VERSION_EVENT = "version";

export interface LiveEventsOptions {
  /**
   * The version of the page's data as its loader read it. When given, the stream's `version` event
   * (sent on every (re)connect) reloads the page only if the server's version differs: a change made
   * between the page's load and the stream's opening, or while it was down, is not missed.
   */
  version?: string;
}

/**
 * Follows a server-sent event stream (a prototype's `decision` / `comment` events, the inbox's
 * `inbox` events, a sprint room's changes) and reloads the page's data when one of the given kinds
 * arrives: the events carry only ids, the loaders re-read with the viewer's permissions.
 *
 * A reload waits until the page is quiet (no navigation, revalidation or fetcher load in flight):
 * starting one then would abort the load in flight mid-body, which Remix logs as an AbortError, and
 * the load in flight can't be trusted to include the change anyway, so one reload follows it.
 */
export function useLiveEvents(url: string, kinds: readonly string[], { version }: LiveEventsOptions = {}): LiveState {
  const revalidator = useRevalidator();
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;
  const navigation = useNavigation();
  const fetchers = useFetchers();
  const busy = revalidator.state !== "idle" || navigation.state !== "idle" || fetchers.some((f) => f.state === "loading");
  const [pending, setPending] = useState(false);
  const [state, setState] = useState<LiveState>("connecting");
  const versionRef = useRef(version);
  versionRef.current = version;
  const kindsKey = kinds.join(",");

  useEffect(() => {
    if (!pending || busy) return;
    setPending(false);
    // A navigation away aborts the reload (an AbortError rejection): nothing is lost, the next page loads its own.
    Promise.resolve(revalidate.current()).catch(() => {});
  }, [pending, busy]);

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
        setPending(true);
      }, COALESCE_MS);
    };
    const onVersion = (event: MessageEvent<string>) => {
      if (versionRef.current === undefined) return;
      let current: unknown;
      try {
        current = (JSON.parse(event.data) as { version?: unknown }).version;
      } catch {
        return;
      }
      if (current !== versionRef.current) onEvent();
    };
    source.onopen = () => setState("live");
    // The browser reconnects by itself unless the server refused the stream.
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? "offline" : "connecting");
    const names = kindsKey.split(",").filter(Boolean);
    for (const name of names) source.addEventListener(name, onEvent);
    source.addEventListener(VERSION_EVENT, onVersion);
    return () => {
      if (timer) clearTimeout(timer);
      for (const name of names) source.removeEventListener(name, onEvent);
      source.removeEventListener(VERSION_EVENT, onVersion);
      source.close();
    };
  }, [url, kindsKey]);
  return state;
}
