/**
 * Every WebSocket frame a page receives, as the browser received it: the proof that something never reached a
 * browser is that no frame carried it. Start recording before the page opens the chat.
 */
import { expect, type Page } from "@playwright/test";

export class ReceivedFrames {
  private readonly frames: string[] = [];

  constructor(page: Page) {
    page.on("websocket", (socket) => {
      socket.on("framereceived", ({ payload }) => this.frames.push(typeof payload === "string" ? payload : payload.toString("utf8")));
    });
  }

  /** The frames that contain `text`. */
  carrying(text: string): string[] {
    return this.frames.filter((frame) => frame.includes(text));
  }

  /**
   * Waits until a frame carries `text`. A connection receives messages in id order, so once a message sent later
   * has arrived, anything sent before it that was going to arrive has arrived too.
   */
  async waitFor(text: string): Promise<void> {
    await expect.poll(() => this.carrying(text).length, { message: `a frame carrying "${text}"` }).toBeGreaterThan(0);
  }
}
