import { describe, expect, it } from "vitest";
import { excerpt, highlightParts, queryWords } from "./search-highlight";

describe("search highlighting", () => {
  it("marks the words of the query, whatever their case, and prefixes of the last one", () => {
    expect(highlightParts("The Deploy is deploying now", "deploy")).toEqual([
      { text: "The ", match: false },
      { text: "Deploy", match: true },
      { text: " is ", match: false },
      { text: "deploying", match: true },
      { text: " now", match: false },
    ]);
  });

  it("marks other forms of a word, and treats punctuation in the query as nothing", () => {
    expect(queryWords("runs, (fast)!")).toEqual(["runs", "fast"]);
    expect(
      highlightParts("run faster", "runs fast")
        .filter((p) => p.match)
        .map((p) => p.text),
    ).toEqual(["run", "faster"]);
  });

  it("marks nothing for a query without words", () => {
    expect(highlightParts("a b c", "!!")).toEqual([{ text: "a b c", match: false }]);
  });

  it("shortens a long text around its first match", () => {
    const text = `${"x ".repeat(300)}needle ${"y ".repeat(300)}`;
    const short = excerpt(text, "needle", 100);
    expect(short).toContain("needle");
    expect(short.length).toBeLessThanOrEqual(102);
  });
});
