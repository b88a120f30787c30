/** What the CLI prints: tables and JSON on stdout, progress and errors on stderr. */
import { formatMoney } from '../../lib/domain/money';

export type Io = {
  stdout: { write(chunk: string | Uint8Array): unknown };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
};

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(cellText).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v).replace(/[\r\n\t]+/g, ' ');
}

/** A number, an amount ("$1,250.00", "-€3.10", "CA$12", "KWD 1.500"), a percentage or n/a: right-aligned. */
const NUMERIC = /^(?:-?(?:[A-Z]{0,3}[$€£¥₹]|[A-Z]{3}[\s\u00a0])?-?[\d,]+(?:\.\d+)?%?|n\/a)$/;

/** A plain text table: a header, a rule, one line per row; numbers and amounts right-aligned. */
export function table(rows: readonly Record<string, unknown>[], columns?: readonly (string | { key: string; label?: string; right?: boolean })[]): string {
  const cols = (columns ?? Object.keys(rows[0] ?? {})).map((c) => (typeof c === 'string' ? { key: c, label: c, right: false } : { key: c.key, label: c.label ?? c.key, right: c.right ?? false }));
  if (!cols.length) return '';
  const cells = rows.map((r) => cols.map((c) => cellText(r[c.key])));
  const right = cols.map((c, i) => c.right || (cells.length > 0 && cells.every((row) => row[i] === '' || NUMERIC.test(row[i]!))));
  const widths = cols.map((c, i) => Math.max(c.label.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (right[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(cols.map((c) => c.label)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')}\n`;
}

/** "Key: value" lines, keys aligned. */
export function fields(pairs: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return `${pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${cellText(v)}`).join('\n')}\n`;
}

/** Integer minor units (a string of digits) as money: "$12,345.67". */
export function money(minor: string | number | bigint | null | undefined, currency: string | null | undefined): string {
  if (minor === null || minor === undefined || minor === '') return '';
  try {
    return formatMoney(BigInt(minor), currency || null, { cents: true });
  } catch {
    return String(minor);
  }
}

export function ratio(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined ? 'n/a' : value.toFixed(digits);
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : `${(value * 100).toFixed(1)}%`;
}

/** A CSV line (RFC 4180 quoting). */
export function csvLine(values: readonly unknown[]): string {
  return `${values
    .map((v) => {
      const s = cellText(v);
      return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',')}\n`;
}

/** Progress on stderr: one line rewritten on a terminal, a new line (when it changed, at most every few seconds) otherwise. */
export function progress(io: Io): { update(text: string): void; done(): void } {
  const tty = Boolean(io.stderr.isTTY);
  let last = '';
  let lastAt = 0;
  let open = false;
  return {
    update(text: string) {
      if (text === last) return;
      if (tty) {
        io.stderr.write(`\r\x1b[2K${text}`);
        open = true;
      } else if (Date.now() - lastAt >= 2000 || text.split(':')[0] !== last.split(':')[0]) {
        io.stderr.write(`${text}\n`);
        lastAt = Date.now();
      } else return;
      last = text;
    },
    done() {
      if (tty && open) io.stderr.write('\n');
      open = false;
    },
  };
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** Streams a response body (a CSV export) to stdout as it arrives. */
export async function pipeBody(io: Io, res: Response): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (value) io.stdout.write(value);
  }
}
