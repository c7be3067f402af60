import Markdown, { type Components, type Options } from "react-markdown";
import { useMemo } from "react";
import rehypeSanitize, { defaultSchema } from "rehype-sanitize";
import remarkBreaks from "remark-breaks";
import remarkGfm from "remark-gfm";
import { safeHttpUrl, splitLinks } from "../lib/client/linkify";
import { remarkHtmlAsText } from "../lib/client/markdown-html-as-text";
import { mentionsMe, remarkMentions, splitMentions } from "../lib/client/mention-marks";
import { useTetherStore } from "../lib/client/store";

/**
 * Message text, formatted as Markdown (GFM: bold, italic, strikethrough, code, code blocks, links, lists, quotes,
 * tables), with every newline a line break as people type them in a chat. Safe by construction: raw HTML stays text
 * (remarkHtmlAsText), the HTML that Markdown produces is sanitized (rehype-sanitize, GitHub's schema), only http(s)
 * links are links and they open in a new tab without the opener, and images are shown as their text (a message must
 * not make every reader's browser fetch an address chosen by its author).
 */
const REMARK_PLUGINS = [remarkGfm, remarkBreaks, remarkHtmlAsText];
// GitHub's schema, plus the two classes mentions are marked with (remarkMentions); nothing else gets a class.
const SANITIZE_SCHEMA = {
  ...defaultSchema,
  attributes: { ...defaultSchema.attributes, span: [...(defaultSchema.attributes?.span ?? []), ["className", "mention", "mention-me"]] },
};
const REHYPE_PLUGINS: [typeof rehypeSanitize, typeof SANITIZE_SCHEMA][] = [[rehypeSanitize, SANITIZE_SCHEMA]];

/** Plain text with its mentions marked: `@username`, and the reader's own (or `@channel`) standing out. */
function WithMentions({ text, myUsername }: { text: string; myUsername: string | null }) {
  const parts = splitMentions(text);
  if (parts.length === 1 && parts[0]!.kind === "text") return <>{text}</>;
  return (
    <>
      {parts.map((part, i) =>
        part.kind === "text" ? (
          part.text
        ) : (
          <span key={i} className={mentionsMe(part.username, myUsername) ? "mention mention-me" : "mention"}>
            {part.text}
          </span>
        ),
      )}
    </>
  );
}

const Heading = ({ children }: { children?: React.ReactNode }) => (
  <p>
    <strong>{children}</strong>
  </p>
);

/** The one way a link is rendered: http(s) only, in a new tab, without the opener or a referrer. */
function SafeLink({ href, children }: { href: string; children?: React.ReactNode }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  );
}

const COMPONENTS: Components = {
  a: ({ href, children }) => {
    const safe = href ? safeHttpUrl(href) : null;
    return safe ? <SafeLink href={safe}>{children}</SafeLink> : <span>{children}</span>;
  },
  // A heading would dwarf the conversation around it: shown as a bold line, as chats do.
  h1: Heading,
  h2: Heading,
  h3: Heading,
  h4: Heading,
  h5: Heading,
  h6: Heading,
  img: ({ alt }) => <span>{alt}</span>,
};

/**
 * Most messages use no Markdown at all: they skip the parser (the list renders many at once). The test is
 * conservative — any character that could start Markdown syntax, or a line break, takes the Markdown path.
 */
const MAY_BE_MARKDOWN = /[*_~`[\]<>&\\|!#]|^\s*(?:[-+=]|\d+[.)])|\n|\bwww\./m;

export function MessageText({ text }: { text: string }) {
  const myUsername = useTetherStore((s) => s.reader?.username ?? null);
  const remarkPlugins = useMemo((): NonNullable<Options["remarkPlugins"]> => [...REMARK_PLUGINS, [remarkMentions, { myUsername }]], [myUsername]);
  if (!MAY_BE_MARKDOWN.test(text)) {
    return (
      <div className="message-text">
        <p>
          {splitLinks(text).map((part, i) =>
            part.kind === "link" ? (
              <SafeLink key={i} href={part.href}>
                {part.text}
              </SafeLink>
            ) : (
              <span key={i}>
                <WithMentions text={part.text} myUsername={myUsername} />
              </span>
            ),
          )}
        </p>
      </div>
    );
  }
  return (
    <div className="message-text">
      <Markdown remarkPlugins={remarkPlugins} rehypePlugins={REHYPE_PLUGINS} components={COMPONENTS}>
        {text}
      </Markdown>
    </div>
  );
}
