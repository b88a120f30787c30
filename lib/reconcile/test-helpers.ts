// Shared helpers for the engine's tests (not part of the public API).
import { readFileSync } from 'node:fs';
import { parseCsv } from './csv';
import { compileProfile, type NormalizedRecord } from './normalize';
import type { SourceProfileInput } from './schemas';

/** Reads a CSV fixture and normalises it with a profile; throws on the first error. */
export function loadCsv(file: string, profile: SourceProfileInput): NormalizedRecord[] {
  const rows = parseCsv(readFileSync(file, 'utf8'));
  const [header, ...body] = rows;
  if (!header) throw new Error(`${file}: empty`);
  const b = compileProfile(profile).bindHeader(header.fields);
  if (!b.ok) throw new Error(`${file}: ${b.error.reason}`);
  return body.map((r) => {
    const n = b.fromFields(r.fields, r.line);
    if (!n.ok) throw new Error(`${file}:${n.error.line}: ${n.error.column}: ${n.error.reason}`);
    return n.record;
  });
}

let seq = 0;
/** A normalised record with defaults, for hand-written vectors. */
export function rec(p: Partial<NormalizedRecord> & { key: string }): NormalizedRecord {
  return {
    line: ++seq,
    at: Date.UTC(2024, 6, 1),
    date: '2024-07-01',
    amount: 1000,
    currency: 'EUR',
    status: 'Paid',
    code: p.status ?? 'Paid',
    ...p,
  };
}
