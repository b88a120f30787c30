/**
 * Hostile files through the real upload UI: the person sees a clear message and the database
 * (read directly) shows nothing persisted: no records, no ingestion left staged or half-open.
 */
import { createClient } from '@libsql/client';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { binaryBytes, zipBombXlsx } from '../test/hostile/fixtures';
import { signIn } from './helpers';

const db = createClient({ url: `file:./data/e2e-${process.env.E2E_PORT ?? 3100}.db` });
test.afterAll(() => db.close());

async function sourceState(name: string) {
  const source = await db.execute({ sql: 'SELECT id FROM "Source" WHERE name = ?', args: [name] });
  const id = String(source.rows[0]!.id);
  const records = await db.execute({ sql: 'SELECT "txId", "amountMinor" FROM "SourceRecord" WHERE "sourceId" = ? ORDER BY line', args: [id] });
  const ingestions = await db.execute({ sql: 'SELECT status, "fileName", "fileSize", "stagedPath", message FROM "Ingestion" WHERE "sourceId" = ? ORDER BY "createdAt"', args: [id] });
  return { records: records.rows, ingestions: ingestions.rows };
}

async function addSource(page: Page, name: string) {
  await page.goto('/sources');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Kind').selectOption('gateway');
  await page.getByRole('button', { name: 'Add source' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

const upload = (page: Page, name: string, buffer: Buffer, mimeType = 'text/csv') =>
  page.getByLabel(/Choose a file to upload/).setInputFiles({ name, mimeType, buffer });

test('binary data and a zip bomb are refused with a clear message and leave nothing behind', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  await signIn(page, 'analyst');
  await addSource(page, 'Hostile uploads');

  await upload(page, 'payments.csv', binaryBytes(50_000));
  await expect(page.getByTestId('upload-error')).toContainText('The file could not be read: The file holds binary data');
  await expect(page.getByTestId('upload-error')).toContainText('upload the CSV, XLSX or JSON export itself');
  await expect(page.getByTestId('ingestions-table')).toContainText('Failed');
  await page.screenshot({ path: testInfo.outputPath('binary-refused.png'), fullPage: true });

  await upload(page, 'statement.xlsx', zipBombXlsx(), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  await expect(page.getByTestId('upload-error')).toContainText('refused as a likely zip bomb. Export the data as CSV instead');

  const state = await sourceState('Hostile uploads');
  expect(state.records).toEqual([]);
  expect(state.ingestions.map((i) => [i.status, i.stagedPath])).toEqual([['failed', null], ['failed', null]]);
  expect(String(state.ingestions[1]!.message)).toContain('zip bomb');
});

test('formula cells are stored as data and neutralised in the bad-rows export; a path in the file name is dropped', async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, 'analyst');
  await addSource(page, 'Formula gateway');

  const file = [
    'TransactionID,Date,Amount,Status',
    'TX-F1,2024-07-01,10.00,Completed',
    '"=HYPERLINK(""http://evil.example"",""click"")",2024-07-02,5.00,Completed',
    `"'; DROP TABLE ""SourceRecord""; --",2024-07-03,7.00,Completed`,
    'TX-F4,2024-07-04,=1+1,Completed',
    'TX-F5,2024-07-05,@SUM(A1:A9),Completed',
  ].join('\n');
  await upload(page, '..\\..\\Windows\\System32\\CON.csv', Buffer.from(file));
  await expect(page.getByTestId('preview-table')).toContainText('=HYPERLINK');
  await page.getByLabel('Date', { exact: true }).selectOption('Date');
  await page.getByRole('button', { name: 'Ingest file' }).click();
  await expect(page.getByTestId('upload-outcome')).toContainText('2 of 5 rows are invalid');
  await page.getByRole('button', { name: 'Ingest the 3 valid rows' }).click();
  await expect(page.getByTestId('upload-outcome')).toContainText('3 rows ingested');
  // The name is only a label: no path, not a Windows device name.
  await expect(page.getByTestId('ingestions-table')).toContainText('_CON.csv');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: /Download the 2 bad rows/ }).click();
  const csv = readFileSync(await (await download).path(), 'utf8');
  expect(csv).toContain(",'=1+1\n");
  expect(csv).toContain(",'@SUM(A1:A9)\n");
  expect(csv).not.toMatch(/,=1\+1/);

  const state = await sourceState('Formula gateway');
  expect(state.records.map((r) => r.txId)).toEqual(['TX-F1', '=HYPERLINK("http://evil.example","click")', `'; DROP TABLE "SourceRecord"; --`]);
  expect(state.ingestions.map((i) => [i.status, i.fileName])).toEqual([['committed', '_CON.csv']]);
});

test('a 12 MB file arrives whole: the streaming upload does not pass through the proxy, which would cut it at 10 MB', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'analyst');
  await addSource(page, 'Big gateway');
  const lines = ['TransactionID,Date,Amount,Status'];
  for (let i = 0; lines.length * 34 < 12 * 1024 * 1024; i++) lines.push(`TX${String(i).padStart(9, '0')},2024-07-01,1.00,Completed`);
  const big = Buffer.from(`${lines.join('\n')}\n`);
  expect(big.length).toBeGreaterThan(12 * 1024 * 1024);

  await upload(page, 'big.csv', big);
  await expect(page.getByTestId('preview-table')).toBeVisible({ timeout: 60_000 });
  const state = await sourceState('Big gateway');
  expect(state.ingestions.map((i) => [i.status, Number(i.fileSize)])).toEqual([['staged', big.length]]);
  await page.getByRole('button', { name: 'Cancel' }).click();
});
