import { csvEscapeCell } from '@/lib/server/http/csv-safe';

export type CsvCell = string | number | bigint | null | undefined;

/** A small CSV document (header then rows), every cell formula-safe; CRLF line ends. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const line = (cells: readonly CsvCell[]) => cells.map((c) => csvEscapeCell(c === null || c === undefined ? '' : String(c))).join(',');
  return [line(header), ...rows.map(line)].map((l) => `${l}\r\n`).join('');
}

/** A ratio for CSV: four decimals, '' when undefined. */
export function csvRatio(r: number | null): string {
  return r === null ? '' : r.toFixed(4);
}
