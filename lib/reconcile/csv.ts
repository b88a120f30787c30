/**
 * Streaming CSV splitter (RFC 4180: comma delimiter, double-quote quoting with
 * "" escapes, quoted fields may hold delimiters and newlines, LF or CRLF).
 * Pure: it takes string chunks and calls back with rows; the caller does I/O.
 *
 * Fast path: a line with no double quote is split with String#split (native).
 * Lines holding a quote go through a small state machine. Both paths are
 * checked against csv-parse by a property test (csv.test.ts).
 */
export type RowCallback = (fields: string[], line: number) => void;
/** A record without any quote: text[start, end) is the line without its line break. */
export type LineCallback = (text: string, start: number, end: number, line: number) => void;

/** What is malformed, for callers that explain it in their own words (never by matching the message). */
export type CsvErrorReason = 'unterminated_quote' | 'text_after_quote' | 'quote_in_unquoted';

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly reason: CsvErrorReason,
  ) {
    super(message);
  }
}

export class CsvSplitter {
  private buf = '';
  /** Physical line number (1-based) of the start of `buf`. */
  private line = 1;
  private first = true;
  private readonly delim: string;

  /**
   * `options.continued`: the text starts at a record boundary inside a file
   * (no byte-order mark to strip); line numbers still start at 1.
   */
  constructor(delimiter = ',', options: { continued?: boolean } = {}) {
    if (options.continued) this.first = false;
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new Error('delimiter must be one character other than quote or newline');
    }
    this.delim = delimiter;
  }

  /**
   * Feeds a chunk; complete rows are passed to `onRow`, or, when `onLine` is
   * given, quote-free lines are passed to it unsplit (the caller splits on the
   * delimiter) and only quoted records go to `onRow`.
   */
  push(chunk: string, onRow: RowCallback, onLine?: LineCallback): void {
    let s = this.buf.length === 0 ? chunk : this.buf + chunk;
    if (this.first && s.length > 0) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      this.first = false;
    }
    const consumed = this.scan(s, onRow, false, onLine);
    this.buf = consumed === s.length ? '' : s.slice(consumed);
  }

  /**
   * Counts `n` whole lines read by the caller instead (quote-free lines read as
   * bytes: see CsvIngest.onBytes). Only at a record boundary, after the first
   * chunk (whose byte-order mark this splitter strips).
   */
  skipLines(n: number): void {
    if (this.buf.length > 0 || this.first) throw new Error('skipLines: not at a record boundary after the first chunk');
    this.line += n;
  }

  /** True when lines may be read elsewhere and counted with skipLines. */
  get atBoundary(): boolean {
    return this.buf.length === 0 && !this.first;
  }

  /** Characters held back: a record not complete yet (0 when the text so far ends at a record boundary). */
  get pending(): number {
    return this.buf.length;
  }

  /** Physical line number (1-based) where the next record starts. */
  get nextLine(): number {
    return this.line;
  }

  /** Flushes the last row (a file need not end with a newline). */
  end(onRow: RowCallback, onLine?: LineCallback): void {
    if (this.buf.length > 0) {
      const s = this.buf;
      this.buf = '';
      this.scan(s, onRow, true, onLine);
    }
  }

  /** Returns how much of `s` was consumed. */
  private scan(s: string, onRow: RowCallback, final: boolean, onLine?: LineCallback): number {
    const delim = this.delim;
    const len = s.length;
    let pos = 0;
    let nextQuote = s.indexOf('"');
    if (nextQuote < 0) nextQuote = len;
    while (pos < len) {
      let nl = s.indexOf('\n', pos);
      if (nl < 0) {
        if (!final) return pos;
        nl = len;
      }
      if (nextQuote < pos) {
        nextQuote = s.indexOf('"', pos);
        if (nextQuote < 0) nextQuote = len;
      }
      if (nextQuote >= nl) {
        // fast path: no quote on this line
        let end = nl;
        if (end > pos && s.charCodeAt(end - 1) === 13) end--;
        // (an empty line is skipped, as csv-parse does with skip_empty_lines)
        if (end > pos) {
          if (onLine) onLine(s, pos, end, this.line);
          else onRow(s.slice(pos, end).split(delim), this.line);
        }
        this.line++;
        pos = nl + 1;
        continue;
      }
      // slow path: quoted content somewhere on this record
      const r = this.quoted(s, pos, final);
      if (r === null) return pos; // need more data
      onRow(r.fields, this.line);
      this.line += r.newlines;
      pos = r.next;
    }
    return pos;
  }

  private quoted(
    s: string,
    start: number,
    final: boolean,
  ): { fields: string[]; next: number; newlines: number } | null {
    const delim = this.delim.charCodeAt(0);
    const len = s.length;
    const fields: string[] = [];
    let i = start;
    let newlines = 0;
    for (;;) {
      // start of a field
      if (i < len && s.charCodeAt(i) === 34) {
        let val = '';
        let segStart = i + 1;
        i++;
        for (;;) {
          const q = s.indexOf('"', i);
          if (q < 0) {
            if (final) throw new CsvError('unterminated quoted field', this.line, 'unterminated_quote');
            return null;
          }
          for (let k = i; k < q; k++) if (s.charCodeAt(k) === 10) newlines++;
          if (q + 1 < len && s.charCodeAt(q + 1) === 34) {
            val += s.slice(segStart, q + 1);
            i = q + 2;
            segStart = i;
            continue;
          }
          if (q + 1 >= len && !final) return null; // cannot tell "" from " yet
          val += s.slice(segStart, q);
          i = q + 1;
          break;
        }
        fields.push(val);
        if (i >= len) {
          if (!final) return null;
          return { fields, next: len, newlines };
        }
        const c = s.charCodeAt(i);
        if (c === delim) {
          i++;
          continue;
        }
        if (c === 13 && i + 1 < len && s.charCodeAt(i + 1) === 10) {
          return { fields, next: i + 2, newlines: newlines + 1 };
        }
        if (c === 13 && i + 1 >= len && !final) return null;
        if (c === 10) return { fields, next: i + 1, newlines: newlines + 1 };
        if (c === 13 && final && i + 1 >= len) return { fields, next: len, newlines };
        throw new CsvError('unexpected character after a closing quote', this.line + newlines, 'text_after_quote');
      }
      // unquoted field: up to delimiter or newline; a quote inside is an error
      let j = i;
      while (j < len) {
        const c = s.charCodeAt(j);
        if (c === delim || c === 10) break;
        if (c === 34) throw new CsvError('quote inside an unquoted field', this.line + newlines, 'quote_in_unquoted');
        j++;
      }
      if (j >= len && !final) return null;
      let end = j;
      if (end > i && s.charCodeAt(end - 1) === 13 && (j >= len || s.charCodeAt(j) === 10)) end--;
      fields.push(s.slice(i, end));
      if (j >= len) return { fields, next: len, newlines };
      if (s.charCodeAt(j) === 10) return { fields, next: j + 1, newlines: newlines + 1 };
      i = j + 1;
    }
  }
}

/** Parses a whole CSV string into rows (convenience for tests and small inputs). */
export function parseCsv(text: string, delimiter = ','): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  const sp = new CsvSplitter(delimiter);
  const cb: RowCallback = (fields, line) => out.push({ fields, line });
  sp.push(text, cb);
  sp.end(cb);
  return out;
}

/** Quotes a field for CSV output when needed. */
export function csvField(v: string): string {
  if (v === '') return v;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) return '"' + v.replace(/"/g, '""') + '"';
  }
  return v;
}
