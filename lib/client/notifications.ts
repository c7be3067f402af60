/**
 * System notifications for mentions and DMs while the tab is hidden: one per conversation (tagged by channel, so a
 * newer one replaces the last), opening that message when clicked. Permission is asked for only when the person
 * presses "Enable notifications"; they can turn them off again here without touching the browser's permission.
 */
import type { ChatMessage } from "../shared/dto";
import { mentionsReader } from "../shared/mentions";
import { channelTitle } from "./channel-directory";
import type { TetherStore } from "./store";

const OPT_OUT_KEY = "tether:notifications-off";
const BODY_LENGTH = 200;

export type NotificationSetting = "unsupported" | "off" | "on" | "blocked";

function supported(): boolean {
  return typeof window !== "undefined" && "Notification" in window;
}

export function notificationSetting(): NotificationSetting {
  if (!supported()) return "unsupported";
  if (Notification.permission === "denied") return "blocked";
  if (Notification.permission !== "granted") return "off";
  return window.localStorage.getItem(OPT_OUT_KEY) === "1" ? "off" : "on";
}

const listeners = new Set<() => void>();

/** Calls `onChange` when the setting changes from this page (for useSyncExternalStore). */
export function subscribeNotificationSetting(onChange: () => void): () => void {
  listeners.add(onChange);
  return () => listeners.delete(onChange);
}

/** Turns notifications on (asking the browser's permission the first time) or off. */
export async function setNotificationsWanted(wanted: boolean): Promise<NotificationSetting> {
  if (!supported()) return "unsupported";
  if (wanted) {
    window.localStorage.removeItem(OPT_OUT_KEY);
    if (Notification.permission === "default") await Notification.requestPermission();
  } else {
    window.localStorage.setItem(OPT_OUT_KEY, "1");
  }
  for (const listener of listeners) listener();
  return notificationSetting();
}

/** Shows a notification for a live message when it is due; `open` brings its message up when clicked. */
export function notifyOfMessage(store: TetherStore, message: ChatMessage, open: (channel: string, id: number) => void): void {
  if (notificationSetting() !== "on" || document.visibilityState !== "hidden") return;
  const s = store.getState();
  const info = s.channelInfo[message.channel];
  if (!s.reader || !mentionsReader(message, info?.visibility, s.reader)) return;
  const where = info?.visibility === "dm" ? "" : ` in ${channelTitle(info, message.channel, s.reader.id)}`;
  try {
    const notification = new Notification(`${message.author.name}${where}`, {
      body: message.content.length > BODY_LENGTH ? `${message.content.slice(0, BODY_LENGTH)}…` : message.content,
      tag: message.channel,
    });
    notification.onclick = () => {
      window.focus();
      open(message.channel, message.id);
      notification.close();
    };
  } catch (error) {
    // Some browsers allow notifications from a service worker only: the badge and title still tell.
    console.warn("could not show a notification", error);
  }
}
