import type { Editor } from "@tiptap/react";
import { useEffect, useRef, useSyncExternalStore } from "react";
import { commentHighlightsKey } from "~/components/editor/CommentHighlights";
import { stackCards } from "~/lib/comments/layout";
import { useIsomorphicLayoutEffect } from "~/lib/useIsomorphicLayoutEffect";

/** The breakpoint where .records-layout (app.css) puts the panel below the document. */
const NARROW = "(max-width: 64rem)";
/** Space between two stacked cards, px. */
const GAP = 8;

function subscribeNarrow(onChange: () => void) {
  const query = window.matchMedia(NARROW);
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
}

/** Whether the comments panel sits beside the document (false on the server and on narrow screens). */
export function useBesideDocument(): boolean {
  return useSyncExternalStore(
    subscribeNarrow,
    () => !window.matchMedia(NARROW).matches,
    () => false,
  );
}

/** Elements between the editor and the page that scroll by themselves (the page's own scroll moves both sides alike). */
function scrollParents(el: HTMLElement): HTMLElement[] {
  const found: HTMLElement[] = [];
  for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
    if (/(auto|scroll)/.test(getComputedStyle(node).overflowY)) found.push(node);
  }
  return found;
}

/**
 * Moves each thread card of `list` (its <li> children, with data-thread-id) to the height of its
 * highlighted text in `editor`, stacked without overlaps and the active thread first served
 * (see stackCards). Visual only: a transform per card and the list's height, so the DOM order,
 * and with it reading and tab order, stays document order. One animation frame per batch of
 * changes (edits, remote updates, resizes, cards growing, scrolling, new cards): measure every
 * card and anchor, then write. Turned off (styles cleared) when `enabled` is false.
 */
export function useAlignedCards(editor: Editor | null, list: HTMLOListElement | null, { enabled, active }: { enabled: boolean; active: string | null }) {
  const activeRef = useRef(active);
  const scheduleRef = useRef<() => void>(() => {});

  useIsomorphicLayoutEffect(() => {
    if (!enabled || !editor || editor.isDestroyed || !list) return;
    const view = editor.view;
    const ol = list;
    let frame = 0;
    let settle = 0;
    const written = new WeakMap<HTMLElement, number>();
    let writtenHeight = -1;

    const layout = () => {
      frame = 0;
      if (editor.isDestroyed) return;
      const cards = Array.from(ol.children) as HTMLElement[];
      const ranges = new Map((commentHighlightsKey.getState(view.state)?.ranges ?? []).map((r) => [r.id, r.range]));
      // Measure everything first (one layout), ...
      const listTop = ol.getBoundingClientRect().top;
      const items = cards.map((card) => {
        const id = card.dataset.threadId ?? "";
        const range = ranges.get(id);
        let top = Number.NaN;
        if (range) {
          try {
            top = view.coordsAtPos(range.from, 1).top - listTop;
          } catch {
            // A position the view can't show yet: the card follows the one before it.
          }
        }
        return { id, top, height: card.getBoundingClientRect().height };
      });
      // ... then write, only what changed.
      const { tops, height } = stackCards(items, { activeId: activeRef.current, gap: GAP });
      cards.forEach((card, i) => {
        if (Math.abs((written.get(card) ?? Number.NaN) - tops[i]) < 0.5) return;
        written.set(card, tops[i]);
        card.style.transform = `translateY(${tops[i]}px)`;
      });
      if (Math.abs(height - writtenHeight) >= 0.5) {
        writtenHeight = height;
        ol.style.height = `${height}px`;
      }
      // Moves animate only once the cards have their first places (no slide in from the top).
      if (!ol.dataset.aligned && !settle) settle = requestAnimationFrame(() => (ol.dataset.aligned = "true"));
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(layout);
    };
    scheduleRef.current = schedule;

    // Sizes: the document (typing, images, remote paragraphs, width), the panel (composer, hints
    // above the list), each card (replies, reply box, editing).
    const resize = new ResizeObserver(schedule);
    const editorBox = view.dom.closest(".editor") ?? view.dom;
    resize.observe(view.dom);
    resize.observe(editorBox);
    if (ol.parentElement) resize.observe(ol.parentElement);
    const observeCards = () => Array.from(ol.children).forEach((card) => resize.observe(card));
    observeCards();
    // New cards (threads arriving live) and cards leaving.
    const mutations = new MutationObserver(() => {
      observeCards();
      schedule();
    });
    mutations.observe(ol, { childList: true });
    // Edits, local or remote, and highlight changes.
    const onTransaction = ({ transaction }: { transaction: { docChanged: boolean; getMeta(key: unknown): unknown } }) => {
      if (transaction.docChanged || transaction.getMeta(commentHighlightsKey)) schedule();
    };
    editor.on("transaction", onTransaction);
    const scrollers = scrollParents(view.dom);
    scrollers.forEach((el) => el.addEventListener("scroll", schedule, { passive: true }));
    window.addEventListener("resize", schedule);
    // Images and embeds loading inside the document (load doesn't bubble: capture it).
    view.dom.addEventListener("load", schedule, true);
    void document.fonts?.ready.then(schedule);
    schedule();

    return () => {
      cancelAnimationFrame(frame);
      cancelAnimationFrame(settle);
      scheduleRef.current = () => {};
      resize.disconnect();
      mutations.disconnect();
      editor.off("transaction", onTransaction);
      scrollers.forEach((el) => el.removeEventListener("scroll", schedule));
      window.removeEventListener("resize", schedule);
      view.dom.removeEventListener("load", schedule, true);
      for (const card of Array.from(ol.children) as HTMLElement[]) card.style.transform = "";
      ol.style.height = "";
      delete ol.dataset.aligned;
    };
  }, [enabled, editor, list]);

  // The active thread takes its preferred place; its neighbours move around it.
  useEffect(() => {
    activeRef.current = active;
    scheduleRef.current();
  }, [active]);
}
