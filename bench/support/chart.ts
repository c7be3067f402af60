/**
 * The chart in docs/performance.md, drawn as plain SVG text: one row per compared figure, a grey bar for the
 * ceiling and a blue one for Tether on the row's own scale, and a red tick at the target where there is one.
 */
import { formatValue, relative, type Row } from "./report";

const WIDTH = 860;
const LABEL_WIDTH = 300;
const BAR_AREA = WIDTH - LABEL_WIDTH - 150;
const ROW_HEIGHT = 46;

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The target expressed as a value on the row's scale, when it is one. */
function targetValue(row: Row): number | null {
  if (row.ceiling === null) return null;
  const share = /≥ (\d+)% of ceiling/.exec(row.target);
  if (share) return (Number(share[1]) / 100) * row.ceiling;
  const factor = /≤ ([\d.]+)× ceiling/.exec(row.target);
  if (factor) return Number(factor[1]) * row.ceiling;
  const absolute = /^≤ ([\d.]+) ms$/.exec(row.target);
  return absolute ? Number(absolute[1]) : null;
}

export function renderChart(rows: Row[], caption: string): string {
  const compared = rows.filter((row) => row.ceiling !== null && row.tether !== null && row.unit !== "" && row.metric !== "RSS per connection");
  const height = 70 + compared.length * ROW_HEIGHT + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="24" font-size="15" font-weight="bold">Tether vs the ceiling (bare Socket.IO, stores nothing)</text>`,
    `<text x="16" y="44" fill="#555">${escapeXml(caption)}</text>`,
    `<rect x="${LABEL_WIDTH}" y="52" width="10" height="10" fill="#9aa0a6"/><text x="${LABEL_WIDTH + 14}" y="61">ceiling</text>`,
    `<rect x="${LABEL_WIDTH + 80}" y="52" width="10" height="10" fill="#1a73e8"/><text x="${LABEL_WIDTH + 94}" y="61">Tether</text>`,
    `<rect x="${LABEL_WIDTH + 158}" y="51" width="3" height="12" fill="#d93025"/><text x="${LABEL_WIDTH + 166}" y="61">target</text>`,
  ];
  compared.forEach((row, i) => {
    const y = 74 + i * ROW_HEIGHT;
    const goal = targetValue(row);
    const scale = Math.max(row.ceiling!, row.tether!, goal ?? 0) || 1;
    const bar = (value: number) => Math.max(1, (value / scale) * BAR_AREA);
    const verdict = row.pass === null ? "" : row.pass ? " ✔" : " ✘";
    parts.push(
      `<text x="16" y="${y + 13}" font-weight="bold">${escapeXml(row.scenario)}</text>`,
      `<text x="16" y="${y + 29}" fill="#333">${escapeXml(`${row.metric} (${row.better} is better)`)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 2}" width="${bar(row.ceiling!).toFixed(1)}" height="14" fill="#9aa0a6"/>`,
      `<text x="${LABEL_WIDTH + bar(row.ceiling!) + 6}" y="${y + 13}">${escapeXml(formatValue(row.ceiling, row.unit))}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 19}" width="${bar(row.tether!).toFixed(1)}" height="14" fill="#1a73e8"/>`,
      `<text x="${LABEL_WIDTH + bar(row.tether!) + 6}" y="${y + 30}">${escapeXml(`${formatValue(row.tether, row.unit)} (${relative(row)})`)}${verdict}</text>`,
    );
    if (goal !== null) parts.push(`<rect x="${(LABEL_WIDTH + bar(goal) - 1).toFixed(1)}" y="${y}" width="2" height="36" fill="#d93025"/>`);
  });
  parts.push("</svg>", "");
  return parts.join("\n");
}
