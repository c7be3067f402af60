/**
 * False while the page is server-rendered HTML and true once React has hydrated it. Controls that only work with
 * their JavaScript (a button whose click React handles) stay disabled until then: a click on server-rendered HTML
 * would otherwise do nothing, or, for a form, submit it natively.
 */
import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
