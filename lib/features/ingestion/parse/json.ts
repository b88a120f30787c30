import fs from 'node:fs';
import parserMod from 'stream-json/parser.js';
import { checkAborted, detectEncoding, limitsOf, ParseError, readHead, type ReadOptions } from './common';

interface Token { name: string; value?: unknown }

/** Deepest nesting read inside a row object (objects and arrays together). */
export const MAX_NESTING = 64;

/** How many objects the header is built from. */
export const JSON_HEADER_SAMPLE = 1000;

/**
 * Streams the rows of a JSON file: a top-level array of objects, or NDJSON /
 * concatenated objects. Each object is flattened (nested keys joined with '.',
 * arrays kept as JSON text); numbers keep their literal text (never a float).
 * Yields [flattened object, 1-based row number].
 */
export async function* readJsonObjects(path: string, opts: ReadOptions = {}): AsyncGenerator<[Map<string, string>, number]> {
  const limits = limitsOf(opts);
  const head = await readHead(path, 65536);
  const { encoding } = detectEncoding(head);
  if (encoding !== 'utf-8') throw new ParseError(`JSON files must be UTF-8 (this one is ${encoding})`);
  const src = fs.createReadStream(path, { highWaterMark: 1 << 20, signal: opts.signal });
  let bytes = 0;
  src.on('data', (b) => {
    bytes += (b as Buffer).length;
    opts.onBytes?.(bytes);
  });
  const tokens = src.pipe(parserMod.asStream({ jsonStreaming: true, packValues: false, streamValues: true }));
  src.on('error', (e) => tokens.destroy(e));

  // assembly state
  let depth = 0; // container depth
  let topArray = false;
  let rowDepth = -1; // depth at which the current row object started
  let row: Map<string, string> | null = null;
  const path_: string[] = []; // key path inside the row
  // arrays inside a row are kept as JSON text: their values are assembled here
  type Nested = { kind: 'arr'; value: unknown[] } | { kind: 'obj'; value: Record<string, unknown>; key: string };
  const nested: Nested[] = [];
  const addNested = (v: unknown) => {
    const top = nested[nested.length - 1] as Nested;
    if (top.kind === 'arr') top.value.push(v);
    else top.value[top.key] = v;
  };
  let text = '';
  let inText = false;
  let currentKey = '';
  let rowNo = 0;
  const maxCell = limits.maxCellSize;

  const setValue = (v: string, nestedValue: unknown) => {
    if (!row) throw new ParseError('expected an array of objects or one object per line (NDJSON); found a bare value', rowNo + 1);
    if (nested.length > 0) {
      addNested(nestedValue);
      return;
    }
    const k = [...path_, currentKey].join('.');
    row.set(k, v);
    if (row.size > limits.maxColumns) throw new ParseError(`an object has more than ${limits.maxColumns} fields`, rowNo);
  };
  try {
    for await (const t of tokens as AsyncIterable<Token>) {
      switch (t.name) {
        case 'startObject':
          if (nested.length > 0) {
            if (path_.length + nested.length >= MAX_NESTING) throw new ParseError(`values are nested more than ${MAX_NESTING} levels deep`, rowNo);
            nested.push({ kind: 'obj', value: {}, key: '' });
          } else if (row === null && (depth === 0 || (topArray && depth === 1))) {
            row = new Map();
            rowDepth = depth;
            rowNo++;
            if (rowNo > limits.maxRows) throw new ParseError(`more than ${limits.maxRows} rows`, rowNo);
          } else if (row !== null) {
            if (path_.length >= MAX_NESTING) throw new ParseError(`values are nested more than ${MAX_NESTING} levels deep`, rowNo);
            path_.push(currentKey);
          } else {
            throw new ParseError('expected an array of objects or one object per line (NDJSON)', rowNo + 1);
          }
          depth++;
          break;
        case 'endObject':
          depth--;
          if (nested.length > 0) {
            const o = nested.pop() as Nested;
            addNested(o.value);
          } else if (row !== null && depth === rowDepth) {
            const r = row;
            row = null;
            checkAborted(opts.signal);
            yield [r, rowNo];
          } else path_.pop();
          break;
        case 'startArray':
          if (depth === 0 && row === null) {
            if (topArray) throw new ParseError('expected one top-level array of objects');
            topArray = true;
          } else if (row !== null) {
            if (path_.length + nested.length >= MAX_NESTING) throw new ParseError(`values are nested more than ${MAX_NESTING} levels deep`, rowNo);
            nested.push({ kind: 'arr', value: [] });
          } else throw new ParseError('expected an array of objects, found nested arrays', rowNo + 1);
          depth++;
          break;
        case 'endArray': {
          depth--;
          if (row !== null && nested.length > 0) {
            const a = nested.pop() as Nested;
            if (nested.length > 0) addNested(a.value);
            else setValue(JSON.stringify(a.value), a.value);
          }
          break;
        }
        case 'startKey': case 'startString': case 'startNumber':
          text = '';
          inText = true;
          break;
        case 'stringChunk': case 'numberChunk': case 'keyChunk':
          if (inText) {
            text += t.value as string;
            if (text.length > maxCell) throw new ParseError(`a value is larger than ${Math.round(maxCell / 1024)} KiB`, rowNo);
          }
          break;
        case 'endKey':
          inText = false;
          if (nested.length > 0) {
            const top = nested[nested.length - 1] as Nested;
            if (top.kind === 'obj') top.key = text;
          } else currentKey = text;
          break;
        case 'endString':
          inText = false;
          setValue(text, text);
          break;
        case 'endNumber':
          inText = false;
          setValue(text, Number(text));
          break;
        case 'nullValue': setValue('', null); break;
        case 'trueValue': setValue('true', true); break;
        case 'falseValue': setValue('false', false); break;
        default: break;
      }
    }
  } catch (e) {
    if (e instanceof ParseError) throw e;
    checkAborted(opts.signal);
    throw new ParseError(`invalid JSON: ${e instanceof Error ? e.message : String(e)}`, rowNo + 1);
  } finally {
    src.destroy();
    tokens.destroy();
  }
}

/** Reads the header (union of keys of the first 1000 objects, first-seen order) and yields rows as field arrays. */
export async function* readJsonRows(
  path: string,
  opts: ReadOptions = {},
): AsyncGenerator<{ fields: string[]; line: number; header?: string[] }> {
  const first: [Map<string, string>, number][] = [];
  const it = readJsonObjects(path, opts);
  const header: string[] = [];
  const seen = new Set<string>();
  let done = false;
  while (first.length < JSON_HEADER_SAMPLE) {
    const n = await it.next();
    if (n.done) { done = true; break; }
    first.push(n.value);
    for (const k of n.value[0].keys()) if (!seen.has(k)) { seen.add(k); header.push(k); }
  }
  const toFields = (m: Map<string, string>) => header.map((h) => m.get(h) ?? '');
  yield { fields: header, line: 0, header };
  for (const [m, line] of first) yield { fields: toFields(m), line };
  if (done) return;
  for await (const [m, line] of it) yield { fields: toFields(m), line };
}
