/** Where a server keeps its files (a generated session secret): beside the SQLite file, or ./data for PostgreSQL. */
import path from "node:path";

export function dataDirOf(databaseUrl: string): string {
  return databaseUrl.startsWith("file:") ? path.dirname(databaseUrl.slice("file:".length)) : "./data";
}
