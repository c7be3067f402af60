import { describe, expect, it } from "vitest";
import { remarkHtmlAsText } from "./markdown-html-as-text";

describe("remarkHtmlAsText", () => {
  it("turns every html node, however deep, into text with the same characters", () => {
    const tree = {
      type: "root",
      children: [
        { type: "html", value: "<script>x()</script>" },
        {
          type: "paragraph",
          children: [
            { type: "text", value: "a " },
            { type: "html", value: "<b>" },
            { type: "text", value: "b" },
          ],
        },
      ],
    };
    remarkHtmlAsText()(tree);
    expect(tree).toEqual({
      type: "root",
      children: [
        { type: "text", value: "<script>x()</script>" },
        {
          type: "paragraph",
          children: [
            { type: "text", value: "a " },
            { type: "text", value: "<b>" },
            { type: "text", value: "b" },
          ],
        },
      ],
    });
  });
});
