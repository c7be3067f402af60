/** The lock a private channel shows, wherever it is named: an image with a name, so screen readers say it too. */
export function PrivateLock() {
  return (
    <svg className="private-lock" role="img" aria-label="Private channel" viewBox="0 0 16 16" width="12" height="12" focusable="false">
      <path
        fill="currentColor"
        d="M8 1a3.5 3.5 0 0 0-3.5 3.5V7H4a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V8a1 1 0 0 0-1-1h-.5V4.5A3.5 3.5 0 0 0 8 1Zm2 6H6V4.5a2 2 0 1 1 4 0V7Z"
      />
    </svg>
  );
}
