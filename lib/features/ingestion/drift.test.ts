import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvField, parseCsv } from '@/lib/reconcile/csv';
import { detectHeaderDrift, detectStatusDrift } from './drift';
import { sniffFile } from './parse';
import { IngestProfileSchema } from './profile';
import { PRESETS } from './presets';

const exportsDir = path.resolve(__dirname, '../../../test/fixtures/exports');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-drift-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const preset = (id: string) => {
  const p = PRESETS.find((x) => x.id === id);
  if (!p) throw new Error(id);
  return IngestProfileSchema.parse(p.profile);
};

/** Rewrites a fixture CSV's columns. */
function variant(id: string, name: string, edit: (rows: string[][]) => string[][]): string {
  const text = fs.readFileSync(path.join(exportsDir, `${id}.csv`), 'utf8');
  const rows = parseCsv(text).map((r) => r.fields);
  const out = path.join(tmp, name);
  fs.writeFileSync(out, edit(rows).map((r) => r.map(csvField).join(',')).join('\n') + '\n');
  return out;
}

describe('detectHeaderDrift', () => {
  it('no findings for the file the profile was made from', async () => {
    const s = await sniffFile(path.join(exportsDir, 'adyen-settlement.csv'), 'a.csv');
    expect(detectHeaderDrift(preset('adyen-settlement'), s.header, s.sampleRows)).toEqual([]);
  });

  it('a removed required column blocks and names what the profile expects', async () => {
    const file = variant('hubspot-deals', 'no-stage.csv', (rows) => rows.map((r) => r.filter((_, i) => i !== 3)));
    const s = await sniffFile(file, 'no-stage.csv');
    const f = detectHeaderDrift(preset('hubspot-deals'), s.header, s.sampleRows);
    expect(f).toEqual([
      {
        kind: 'missing_columns',
        severity: 'blocking',
        message: 'Column "Deal Stage" is missing; the profile expects: Record ID, Close Date, Amount, Deal Stage',
        detail: { missing: ['Deal Stage'], expected: ['Record ID', 'Close Date', 'Amount', 'Deal Stage'] },
      },
    ]);
  });

  it('a renamed required column in the same place with the same values is suggested as a mapping (still blocking)', async () => {
    const file = variant('adyen-settlement', 'renamed.csv', (rows) => {
      const h = rows[0] as string[];
      h[5] = 'Booking Date';
      return rows;
    });
    const s = await sniffFile(file, 'renamed.csv');
    const f = detectHeaderDrift(preset('adyen-settlement'), s.header, s.sampleRows);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'renamed_columns', severity: 'blocking', detail: { from: 'Creation Date', to: 'Booking Date', required: true } });
    expect(f[0]?.message).toBe('Column "Creation Date" is missing; "Booking Date" looks like its new name (the same position, the same kind of values). Map "Creation Date" to "Booking Date" in the profile to ingest this file.');
  });

  it('a similar name elsewhere with different values is not taken for a rename', async () => {
    const header = ['Record ID', 'Deal Name', 'Amount', 'Deal Stage', 'Deal Owner', 'Closing Notes'];
    const rows = [['1', 'x', '10', 'closedwon', 'Ann', 'call back'], ['2', 'y', '20', 'closedlost', 'Bo', 'no budget']];
    const f = detectHeaderDrift(preset('hubspot-deals'), header, rows);
    expect(f.map((x) => x.kind)).toEqual(['missing_columns', 'missing_columns', 'new_columns']);
    expect(f[0]?.message).toMatch(/^Column "Close Date" is missing/);
  });

  it('new columns warn, removed optional ones warn', async () => {
    const file = variant('salesforce-opportunities', 'added.csv', (rows) => rows.map((r, i) => [...r.filter((_, j) => j !== 8), i === 0 ? 'Probability (%)' : '50']));
    const s = await sniffFile(file, 'added.csv');
    const f = detectHeaderDrift(preset('salesforce-opportunities'), s.header, s.sampleRows);
    expect(f.map((x) => [x.kind, x.severity])).toEqual([['missing_columns', 'warning'], ['new_columns', 'warning']]);
    expect(f[0]?.detail).toEqual({ missing: ['Campaign'] });
    expect(f[1]?.detail).toEqual({ added: ['Probability (%)'] });
    expect(f[1]?.message).toBe('New column since the profile was made: "Probability (%)". It is kept in the raw rows but not mapped.');
  });

  it('amounts now written with a decimal comma, and dates switched to day-first, are type changes', async () => {
    const file = path.join(tmp, 'eu.csv');
    fs.writeFileSync(file, 'Opportunity ID,Opportunity Name,Account Name,Amount,Close Date,Stage,Owner Name,Lead Source,Campaign\n'
      + 'A1,x,Acme,"12.500,50",31/07/2024,Closed Won,Ann,Web,\nA2,y,Globex,"950,00",15/07/2024,Closed Lost,Bo,Web,\n');
    const s = await sniffFile(file, 'eu.csv');
    const f = detectHeaderDrift(preset('salesforce-opportunities'), s.header, s.sampleRows);
    expect(f.map((x) => [x.kind, x.severity, x.detail.column])).toEqual([
      ['type_changed', 'warning', 'Amount'],
      ['type_changed', 'warning', 'Close Date'],
    ]);
    expect(f[0]?.message).toBe('Column "Amount" no longer matches the profile\'s amount format 1,234.56: they now look like 1.234,56 (e.g. "12.500,50"). Rows that do not parse will be rejected; update the amount format if the export changed.');
    expect(f[1]?.detail.detected).toBe('DD/MM/YYYY');
  });

  it('numbers that became text are a type change', () => {
    const p = preset('stripe-balance');
    const header = p.expectedColumns;
    const row = ['txn_1', 'charge', 'ch_1', 'twelve', '0', '0', 'usd', '2024-07-01 00:00:00', '2024-07-03 00:00:00', 'x'];
    const f = detectHeaderDrift(p, header, [row]);
    expect(f).toHaveLength(1);
    expect(f[0]?.message).toMatch(/^Column "Amount" no longer matches .*they now hold text \(e\.g\. "twelve"\)/);
  });
});

describe('detectStatusDrift', () => {
  it('lists codes unknown to both the map and the glossary, with counts', () => {
    const p = preset('paypal-activity');
    const counts = new Map([['Completed', 40], ['Held', 3], ['Pending', 2], ['Under Review', 1]]);
    expect(detectStatusDrift(p, counts)).toEqual([{
      kind: 'unknown_status',
      severity: 'warning',
      message: '2 status codes are not mapped: "Held" (3 rows), "Under Review" (1 row). These 4 rows count as Unknown and never match; map them in the profile.',
      detail: { codes: { Held: 3, 'Under Review': 1 }, rows: 4 },
    }]);
  });

  it('the default glossary counts when the profile layers over it; spend has no statuses', () => {
    const p = IngestProfileSchema.parse({ dataset: 'payments', columns: { id: 'id', status: 'st', amount: 'a' } });
    expect(detectStatusDrift(p, new Map([['succeeded', 5], ['closedwon', 1]]))).toEqual([]);
    expect(detectStatusDrift(p, new Map([['weird', 1]]))[0]?.detail).toEqual({ codes: { weird: 1 }, rows: 1 });
    expect(detectStatusDrift(preset('meta-ads'), new Map([['', 4]]))).toEqual([]);
  });
});
