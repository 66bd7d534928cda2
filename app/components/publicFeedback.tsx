import { useEffect, useRef, type ReactNode } from "react";

/** The public feedback pages' frame: no account, no workspace chrome. */
export function Shell({ children }: { children: ReactNode }) {
  return (
    <main id="main" className="public-page">
      <div className="public-card">{children}</div>
      <p className="public-footer">Feedback collected with Pilotlab. Your answers are anonymous.</p>
    </main>
  );
}

/** Moves focus to the element once it mounts (a new page state screen readers should announce). */
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}

export function Thanks({ note }: { note: string | null }) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <Shell>
      <h1 ref={heading} tabIndex={-1}>
        Thank you!
      </h1>
      <p>{note ?? "Your answers were sent. You can close this page."}</p>
    </Shell>
  );
}

export function Message({ code, title, message }: { code: string; title: string; message: string }) {
  return (
    <Shell>
      <p className="public-code" aria-hidden="true">
        {code}
      </p>
      <h1>{title}</h1>
      <p>{message}</p>
    </Shell>
  );
}
