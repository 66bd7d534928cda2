import { useEffect, useId, useRef, type ReactNode } from "react";

/**
 * A modal dialog on the native <dialog>: showModal() makes the rest of the page inert (focus stays
 * inside), Escape closes, and focus goes back to where it was (or to `returnFocus()`) on close.
 */
export function Dialog({
  title,
  onClose,
  children,
  className = "",
  returnFocus,
  preferFocus,
  headerExtra,
}: {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  /** Where focus goes on close when the element that opened the dialog is gone. */
  returnFocus?: () => HTMLElement | null | undefined;
  /** Where focus goes on close before the opener, when it returns an element (e.g. an undo offer). */
  preferFocus?: () => HTMLElement | null | undefined;
  headerExtra?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;
  const fallback = useRef(returnFocus);
  fallback.current = returnFocus;
  const preferred = useRef(preferFocus);
  preferred.current = preferFocus;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    // React's autoFocus runs before showModal (when the content can't take focus yet): mark instead.
    dialog.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    const onCancel = (event: Event) => {
      event.preventDefault();
      close.current();
    };
    dialog.addEventListener("cancel", onCancel);
    return () => {
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      // Restore after React has finished this commit (the opener may be re-rendered).
      setTimeout(() => {
        const target = preferred.current?.() ?? (opener && opener.isConnected ? opener : fallback.current?.());
        target?.focus();
      }, 0);
    };
  }, []);

  return (
    <dialog ref={ref} className={`dialog ${className}`} aria-labelledby={titleId}>
      <div className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        {headerExtra}
        <button type="button" className="dialog-close tool" aria-label="Close" onClick={() => close.current()}>
          <span aria-hidden="true">×</span>
        </button>
      </div>
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}
