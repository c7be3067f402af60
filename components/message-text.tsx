import { splitLinks } from "../lib/client/linkify";

/** Message text as text: React escapes it; only http(s) URLs become links, opened safely in a new tab. */
export function MessageText({ text }: { text: string }) {
  return (
    <p className="message-text">
      {splitLinks(text).map((part, i) =>
        part.kind === "link" ? (
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
            {part.text}
          </a>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </p>
  );
}
