/** Whether the person is looking at this tab: it is visible and has the focus. What "read" and badges depend on. */
import { useSyncExternalStore } from "react";

export function pageHasAttention(): boolean {
  return document.visibilityState === "visible" && document.hasFocus();
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("focus", onChange);
  window.addEventListener("blur", onChange);
  document.addEventListener("visibilitychange", onChange);
  return () => {
    window.removeEventListener("focus", onChange);
    window.removeEventListener("blur", onChange);
    document.removeEventListener("visibilitychange", onChange);
  };
}

/** Re-renders when the tab gains or loses the person's attention; false on the server. */
export function usePageAttention(): boolean {
  return useSyncExternalStore(subscribe, pageHasAttention, () => false);
}
