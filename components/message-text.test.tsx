import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { MessageText } from "./message-text";

const html = (text: string) => renderToStaticMarkup(<MessageText text={text} />);

describe("MessageText", () => {
  it("renders the usual Markdown subset", () => {
    expect(html("**bold** _italic_ ~~gone~~ `code`")).toBe(
      '<div class="message-text"><p><strong>bold</strong> <em>italic</em> <del>gone</del> <code>code</code></p></div>',
    );
    expect(html("```\nconst a = 1;\n```")).toContain("<pre><code>const a = 1;\n</code></pre>");
    expect(html("- one\n- two")).toContain("<ul>\n<li>one</li>\n<li>two</li>\n</ul>");
    expect(html("1. one\n2. two")).toContain("<ol>\n<li>one</li>\n<li>two</li>\n</ol>");
    expect(html("> quoted")).toContain("<blockquote>\n<p>quoted</p>\n</blockquote>");
  });

  it("keeps every newline as a line break, and the text as typed", () => {
    expect(html("first line\nsecond line")).toBe('<div class="message-text"><p>first line<br/>\nsecond line</p></div>');
  });

  it("shows raw HTML as text: nothing of it becomes an element", () => {
    const out = html(`<img src=x onerror="alert(1)"><script>alert(2)</script> <b>bold?</b>`);
    expect(out).not.toMatch(/<(img|script|b)[\s>]/);
    expect(out).toContain("&lt;script&gt;alert(2)&lt;/script&gt;");
    expect(out).toContain("&lt;b&gt;bold?&lt;/b&gt;");
  });

  it("makes only http(s) links, each opened in a new tab without its opener", () => {
    const out = html("[click](javascript:alert(1)) [data](data:text/html,x) see https://example.com/a?b=1. and [docs](https://example.org/d)");
    const links = [...out.matchAll(/<a [^>]*>/g)].map((m) => m[0]);
    expect(links).toEqual([
      '<a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer nofollow">',
      '<a href="https://example.org/d" target="_blank" rel="noopener noreferrer nofollow">',
    ]);
    expect(out).toContain("<span>click</span>");
  });

  it("fetches nothing for an image and shows headings as a bold line", () => {
    expect(html("![a cat](https://tracker.example/pixel.png)")).toBe('<div class="message-text"><p><span>a cat</span></p></div>');
    expect(html("# Big")).toBe('<div class="message-text"><p><strong>Big</strong></p></div>');
  });

  it("renders plain text without the parser the same way", () => {
    expect(html("hello there https://example.com/x, bye")).toBe(
      '<div class="message-text"><p><span>hello there </span><a href="https://example.com/x" target="_blank" rel="noopener noreferrer nofollow">https://example.com/x</a><span>, bye</span></p></div>',
    );
  });

  it("marks mentions in plain and formatted text, never inside code", () => {
    expect(html("hi @ann and @channel")).toBe(
      '<div class="message-text"><p><span>hi <span class="mention">@ann</span> and <span class="mention mention-me">@channel</span></span></p></div>',
    );
    const out = html("**hey @bob** `@code`");
    expect(out).toContain('<strong>hey <span class="mention">@bob</span></strong>');
    expect(out).toContain("<code>@code</code>");
  });
});
