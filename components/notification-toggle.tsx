"use client";

import { useSyncExternalStore } from "react";
import { notificationSetting, setNotificationsWanted, subscribeNotificationSetting } from "../lib/client/notifications";

/** "Enable notifications": asks for the browser's permission only when pressed, never on load; pressed again turns them off. */
export function NotificationToggle() {
  // The server knows nothing of the browser's permission: rendered once hydrated.
  const setting = useSyncExternalStore(subscribeNotificationSetting, notificationSetting, () => "unsupported" as const);
  if (setting === "unsupported") return null;
  return (
    <button
      type="button"
      className="button-secondary"
      aria-pressed={setting === "on"}
      disabled={setting === "blocked"}
      title={setting === "blocked" ? "Notifications are blocked in this browser's site settings" : undefined}
      onClick={() => void setNotificationsWanted(setting !== "on")}
    >
      Enable notifications
    </button>
  );
}
