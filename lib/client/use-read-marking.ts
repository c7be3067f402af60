/**
 * Read marking for the message list: a message counts as read once it has been visible — at least half of it, or
 * half the view for a tall one — while the tab is visible and focused. The list is virtualized, so rows come and
 * go: each row carrying `data-message-id` is observed as it is added. The highest visible id is reported (only
 * forward, debounced: read-marker.ts) whenever the rows in view change or the tab gets the person's attention.
 */
import { useEffect, type RefObject } from "react";
import { markSeen } from "./chat-client";
import { pageHasAttention } from "./use-page-attention";

const ROW_SELECTOR = "[data-message-id]";

function isSeen(entry: IntersectionObserverEntry): boolean {
  if (!entry.isIntersecting) return false;
  const view = entry.rootBounds?.height ?? 0;
  return entry.intersectionRatio >= 0.5 || (view > 0 && entry.intersectionRect.height >= view / 2);
}

export function useReadMarking(scroller: RefObject<HTMLElement | null>, channel: string): void {
  useEffect(() => {
    const root = scroller.current;
    if (!root || typeof IntersectionObserver === "undefined") return;
    const visible = new Set<number>();
    const rowId = (element: Element) => Number((element as HTMLElement).dataset.messageId);

    function report() {
      if (visible.size === 0 || !pageHasAttention()) return;
      markSeen(channel, Math.max(...visible));
    }

    const intersections = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const id = rowId(entry.target);
          if (!Number.isSafeInteger(id) || id <= 0) continue;
          if (isSeen(entry)) visible.add(id);
          else visible.delete(id);
        }
        report();
      },
      { root, threshold: [0, 0.5, 1] },
    );
    const observeRows = (node: Element) => {
      if (node.matches(ROW_SELECTOR)) intersections.observe(node);
      for (const row of node.querySelectorAll(ROW_SELECTOR)) intersections.observe(row);
    };
    const forgetRows = (node: Element) => {
      for (const row of [node, ...node.querySelectorAll(ROW_SELECTOR)]) {
        if (!row.matches(ROW_SELECTOR)) continue;
        intersections.unobserve(row);
        visible.delete(rowId(row));
      }
    };
    observeRows(root);
    const mutations = new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === "attributes") {
          // An own message gets its id once the server stored it.
          intersections.unobserve(record.target as Element);
          intersections.observe(record.target as Element);
          continue;
        }
        for (const node of record.removedNodes) if (node instanceof Element) forgetRows(node);
        for (const node of record.addedNodes) if (node instanceof Element) observeRows(node);
      }
    });
    mutations.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-message-id"] });
    window.addEventListener("focus", report);
    document.addEventListener("visibilitychange", report);
    return () => {
      mutations.disconnect();
      intersections.disconnect();
      window.removeEventListener("focus", report);
      document.removeEventListener("visibilitychange", report);
    };
  }, [scroller, channel]);
}
