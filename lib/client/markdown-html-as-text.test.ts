import { describe, expect, it } from "vitest";
import { remarkHtmlAsText } from "./markdown-html-as-text";

/** A tree with raw HTML at the top and inside a paragraph, its HTML nodes of type `html`. */
const treeWith = (html: "html" | "text") => ({
  type: "root",
  children: [
    { type: html, value: "<script>x()</script>" },
    {
      type: "paragraph",
      children: [
        { type: "text", value: "a " },
        { type: html, value: "<b>" },
        { type: "text", value: "b" },
      ],
    },
  ],
});

describe("remarkHtmlAsText", () => {
  it("turns every html node, however deep, into text with the same characters", () => {
    const tree = treeWith("html");
    remarkHtmlAsText()(tree);
    expect(tree).toEqual(treeWith("text"));
  });
});
