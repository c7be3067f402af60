/**
 * Mentions in shown text: the parts of a text that say `@username` or `@channel` (by the rule of
 * lib/shared/mentions.ts), so that they can be highlighted, and the ones meaning the reader stand out.
 */
import { CHANNEL_MENTION, findMentions } from "../shared/mentions";

export type TextPart = { kind: "text"; text: string } | { kind: "mention"; text: string; username: string };

export function splitMentions(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const mention of findMentions(text)) {
    if (mention.index > last) parts.push({ kind: "text", text: text.slice(last, mention.index) });
    parts.push({ kind: "mention", text: mention.text, username: mention.username });
    last = mention.index + mention.text.length;
  }
  if (last < text.length) parts.push({ kind: "text", text: text.slice(last) });
  return parts;
}

/** Whether a mention of `username` means the reader (their username, or `@channel`). */
export function mentionsMe(username: string, myUsername: string | null): boolean {
  return username === CHANNEL_MENTION || (myUsername !== null && username === myUsername);
}

interface MarkdownNode {
  type: string;
  value?: string;
  children?: MarkdownNode[];
  data?: { hName?: string; hProperties?: Record<string, unknown> };
}

/** A remark plugin: each mention in a text node becomes a `<span class="mention">` (`mention-me` for the reader). */
export function remarkMentions(options: { myUsername: string | null }) {
  const visit = (node: MarkdownNode): void => {
    if (!node.children) return;
    node.children = node.children.flatMap((child): MarkdownNode[] => {
      // Code shows what was typed, as typed.
      if (child.type === "inlineCode" || child.type === "code") return [child];
      if (child.type !== "text" || child.value === undefined) {
        visit(child);
        return [child];
      }
      const parts = splitMentions(child.value);
      if (parts.every((part) => part.kind === "text")) return [child];
      return parts.map((part) =>
        part.kind === "text"
          ? { type: "text", value: part.text }
          : {
              type: "text",
              value: part.text,
              data: {
                hName: "span",
                hProperties: { className: mentionsMe(part.username, options.myUsername) ? ["mention", "mention-me"] : ["mention"] },
              },
            },
      );
    });
  };
  return (tree: MarkdownNode) => visit(tree);
}
