import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkedRows, checkedRowsInWorker, type CheckedBatch, type CheckJob } from './checked-rows';
import { IngestProfileSchema } from './profile';
import { sniffFile } from './parse';

const dir = mkdtempSync(path.join(os.tmpdir(), 'paidline-checked-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const profile = IngestProfileSchema.parse({
  dataset: 'payments',
  columns: { id: 'TransactionID', status: 'Status', amount: 'Amount', date: 'Date' },
  currency: 'USD',
  attributes: { email: 'Email' },
});

async function job(name: string, text: string): Promise<CheckJob> {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const sniff = await sniffFile(file, name);
  return { stagedPath: file, format: sniff.format, header: sniff.header, profile, source: { name: 'Gateway', kind: 'gateway' } };
}

async function all(batches: AsyncIterable<CheckedBatch>): Promise<CheckedBatch[]> {
  const out: CheckedBatch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

describe('an upload\'s rows checked in a worker thread', () => {
  it('gives the batches the caller\'s thread gives: records, raw rows, refused rows, counts', async () => {
    let text = 'TransactionID,Date,Amount,Status,Email\n';
    for (let i = 1; i <= 9_500; i++) text += `TX${i},2024-07-${String(1 + (i % 28)).padStart(2, '0')},${i % 1000 === 0 ? 'n/a' : `${i}.05`},${i % 3 ? 'Completed' : 'Failed'},"a,""${i}""@example.com"\n`;
    const j = await job('rows.csv', text);
    const inWorker = await all(checkedRowsInWorker(j));
    const here = await all(checkedRows(j));
    expect(inWorker).toEqual(here);
    expect(inWorker.length).toBe(5);
    expect(inWorker.at(-1)!.total).toBe(9_500);
    expect(inWorker.reduce((n, b) => n + b.records.length, 0)).toBe(9_491);
    expect(inWorker.flatMap((b) => b.refused.map((r) => r.line))).toEqual([1001, 2001, 3001, 4001, 5001, 6001, 7001, 8001, 9001]);
    expect(JSON.parse(inWorker[0]!.raws[0]!)).toEqual({ TransactionID: 'TX1', Date: '2024-07-02', Amount: '1.05', Status: 'Completed', Email: 'a,"1"@example.com' });
  });

  it('reports a file that cannot be read, and stops when the caller stops', async () => {
    const broken = await job('broken.csv', `TransactionID,Date,Amount,Status,Email\n${'TX1,2024-07-01,1.00,Completed,a@example.com\n'.repeat(3000)}TX2,2024-07-01,1.00,Completed,"never closed\n`);
    await expect(all(checkedRowsInWorker(broken))).rejects.toThrow(/quote|line/i);
    let taken = 0;
    for await (const _ of checkedRowsInWorker(await job('long.csv', `TransactionID,Date,Amount,Status,Email\n${'TX1,2024-07-01,1.00,Completed,a@example.com\n'.repeat(50_000)}`))) {
      if (++taken === 2) break;
    }
    expect(taken).toBe(2);
  });
});
