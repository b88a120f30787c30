import { CsvError, CsvSplitter } from '@/lib/reconcile/csv';
import { limitsOf, ParseError, readText, type ReadOptions } from './common';

export interface CsvRecord { fields: string[]; line: number }

function explain(e: CsvError, skipLines: number): ParseError {
  const line = e.line + skipLines;
  if (e.reason === 'unterminated_quote') {
    return new ParseError('a quoted field is never closed (unbalanced double quote); the quote opens on this line', line);
  }
  if (e.reason === 'quote_in_unquoted') {
    return new ParseError('a double quote appears inside an unquoted field; fields holding quotes must be quoted with the quote doubled ("12"" pizza")', line);
  }
  if (e.reason === 'text_after_quote') {
    return new ParseError('text follows a closing double quote in the same field (a quote inside a quoted field must be doubled: "")', line);
  }
  return new ParseError(`malformed CSV: ${e.message}`, line);
}

/**
 * Streams CSV records (header included) with the physical 1-based line of each
 * record's start, using the engine's CsvSplitter (RFC 4180: quoted fields may
 * hold delimiters, line breaks and doubled quotes; LF or CRLF). `skipLines`
 * physical lines (a preamble) are dropped unparsed. Blank lines are skipped.
 * Rows are produced in batches per 1 MiB chunk, so memory stays bounded.
 */
export async function* readCsvRecords(
  path: string,
  delimiter: string,
  skipLines: number,
  opts: ReadOptions = {},
): AsyncGenerator<CsvRecord> {
  const limits = limitsOf(opts);
  const maxRecord = limits.maxCellSize * 4;
  const maxCols = limits.maxColumns;
  const maxCell = limits.maxCellSize;
  const splitter = new CsvSplitter(delimiter);
  let batch: CsvRecord[] = [];
  let failure: ParseError | null = null;
  const onRow = (fields: string[], line: number) => {
    if (failure) return;
    const l = line + skipLines;
    if (fields.length > maxCols) {
      failure = new ParseError(`the row has ${fields.length} fields, more than the limit of ${maxCols}: check the delimiter`, l);
      return;
    }
    for (let i = 0; i < fields.length; i++) {
      if ((fields[i] as string).length > maxCell) {
        failure = new ParseError(`a field is ${Math.round((fields[i] as string).length / 1024)} KiB, more than the limit of ${Math.round(maxCell / 1024)} KiB`, l);
        return;
      }
    }
    batch.push({ fields, line: l });
  };
  let pending = 0; // characters pushed since the last chunk that completed a row
  let lastLine = skipLines;
  let toSkip = skipLines;
  for await (let text of readText(path, opts)) {
    if (toSkip > 0) {
      let i = 0;
      while (toSkip > 0) {
        const nl = text.indexOf('\n', i);
        if (nl < 0) { i = text.length; break; }
        i = nl + 1;
        toSkip--;
      }
      text = text.slice(i);
      if (text.length === 0) continue;
    }
    try {
      splitter.push(text, onRow);
    } catch (e) {
      if (e instanceof CsvError) throw explain(e, skipLines);
      throw e;
    }
    if (failure) throw failure;
    if (batch.length === 0) {
      pending += text.length;
      if (pending > maxRecord) {
        throw new ParseError(
          `a row runs over ${Math.round(maxRecord / 1024)} KiB: most likely an unbalanced double quote opened a field that swallows the following lines`,
          lastLine + 1,
        );
      }
      continue;
    }
    pending = 0;
    const out = batch;
    batch = [];
    lastLine = (out[out.length - 1] as CsvRecord).line;
    yield* out;
  }
  try {
    splitter.end(onRow);
  } catch (e) {
    if (e instanceof CsvError) throw explain(e, skipLines);
    throw e;
  }
  if (failure) throw failure;
  yield* batch;
}
