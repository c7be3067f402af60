/**
 * Epoch milliseconds → the exact string `new Date(ms).toISOString()` returns, without creating a Date.
 *
 * Every message crosses the wire with an ISO `createdAt`, so a 100,000-message catch-up formats 100,000 of
 * them; through Date (which Next.js also wraps in production) that was the largest single cost of building
 * the messages. Civil-from-days arithmetic (H. Hinnant's algorithm) gives the same text several times faster.
 */
const MS_PER_DAY = 86_400_000;
/** Years 1970..9999 print as four digits; outside that range Date's own extended format is used. */
const LAST_FOUR_DIGIT_MS = 253_402_300_799_999;

function pad2(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}

export function formatIsoTimestamp(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > LAST_FOUR_DIGIT_MS) return new Date(ms).toISOString();
  const days = Math.floor(ms / MS_PER_DAY);
  const msOfDay = ms - days * MS_PER_DAY;
  // Days since 1970-01-01 → year/month/day, counting years from March so the leap day comes last.
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(msOfDay / 3_600_000);
  const minutes = Math.floor(msOfDay / 60_000) % 60;
  const seconds = Math.floor(msOfDay / 1000) % 60;
  const millis = msOfDay % 1000;
  const fraction = millis < 10 ? `00${millis}` : millis < 100 ? `0${millis}` : `${millis}`;
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${fraction}Z`;
}
