import { describe, expect, it } from "vitest";
import { splitLinks } from "./linkify";

describe("splitLinks", () => {
  it("turns http(s) URLs into links and leaves trailing punctuation as text", () => {
    expect(splitLinks("see https://example.com/a?b=1. ok")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
      { kind: "text", text: ". ok" },
    ]);
  });

  it("never links other schemes or markup", () => {
    const text = `javascript:alert(1) data:text/html,<script>x</script> <a href="https://x.y">`;
    expect(
      splitLinks(text)
        .filter((p) => p.kind === "link")
        .map((p) => p.text),
    ).toEqual(["https://x.y"]);
    expect(splitLinks("<b>hi</b>")).toEqual([{ kind: "text", text: "<b>hi</b>" }]);
  });
});
