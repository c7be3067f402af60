/**
 * A remark plugin: raw HTML written in a message stays text. Markdown lets HTML through as `html` nodes; renderers
 * then either drop it (the reader never sees what was written) or, with rehype-raw, render it (and must trust it).
 * A chat shows people exactly what was typed, so each `html` node becomes a `text` node with the same characters,
 * which React escapes like any other text.
 */
interface MarkdownNode {
  type: string;
  value?: string;
  children?: MarkdownNode[];
}

function htmlToText(node: MarkdownNode): void {
  if (node.type === "html") node.type = "text";
  node.children?.forEach(htmlToText);
}

export function remarkHtmlAsText() {
  return (tree: MarkdownNode) => htmlToText(tree);
}
