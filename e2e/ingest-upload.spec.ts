import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { addSource, signIn } from './helpers';

const fixture = (...p: string[]) => path.resolve(__dirname, '..', 'test', 'fixtures', ...p);

async function uploadAndIngest(page: Page, file: string, expectedRows: number) {
  await page.getByLabel(/Choose a file to upload/).setInputFiles(file);
  await expect(page.getByTestId('preview-table')).toBeVisible();
  // The mapping is suggested from the header names; the analyst checks it.
  await expect(page.getByLabel('Transaction id')).toHaveValue('TransactionID');
  await expect(page.getByLabel('Status', { exact: true })).toHaveValue('Status');
  await expect(page.getByLabel('Amount', { exact: true })).toHaveValue('Amount');
  await page.getByLabel('Date', { exact: true }).selectOption('Date');
  await page.getByRole('button', { name: 'Ingest file' }).click();
  await expect(page.getByTestId('upload-outcome')).toContainText(`${expectedRows} rows ingested with profile v1`);
  await expect(page.getByTestId('ingestions-table')).toContainText(path.basename(file));
}

test('an analyst uploads the gateway and bank files, maps them and sees them ingested; a file missing a column is refused', async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, 'analyst');

  await addSource(page, 'dataset-a', 'gateway');
  await uploadAndIngest(page, fixture('seed-003', 'dataset-a.csv'), 20);

  // The same file again is recognised by its SHA-256 and not counted twice.
  await page.getByLabel(/Choose a file to upload/).setInputFiles(fixture('seed-003', 'dataset-a.csv'));
  await expect(page.getByTestId('upload-duplicate')).toContainText('already ingested');

  // A file without the Amount column is refused, naming the column.
  await page.getByLabel(/Choose a file to upload/).setInputFiles(fixture('uploads', 'gateway-missing-amount.csv'));
  await expect(page.getByTestId('drift-findings')).toContainText('Amount');
  await expect(page.getByRole('button', { name: 'Ingest file' })).toBeDisabled();

  await addSource(page, 'dataset-b', 'bank');
  await uploadAndIngest(page, fixture('seed-003', 'dataset-b.csv'), 23);

  await page.goto('/sources');
  const rows = page.getByRole('row');
  await expect(rows.filter({ hasText: 'dataset-a' })).toContainText('20');
  await expect(rows.filter({ hasText: 'dataset-b' })).toContainText('23');
});

test('an XLSX workbook: the analyst picks the sheet that holds the transactions', async ({ page }, testInfo) => {
  const ExcelJS = (await import('exceljs')).default;
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('Summary').addRows([['Bank statement, July 2024'], ['Account', 'Checking']]);
  const sheet = workbook.addWorksheet('Transactions');
  sheet.addRow(['TransactionID', 'Date', 'Amount', 'Status']);
  sheet.addRow(['TX1000', '2024-07-01', 388, 'Completed']);
  sheet.addRow(['TX1001', '2024-07-02', 136.5, 'Pending']);
  sheet.addRow(['TX1002', '2024-07-03', 888, 'Failed']);
  const file = testInfo.outputPath('bank-july.xlsx');
  await workbook.xlsx.writeFile(file);

  await signIn(page, 'analyst');
  await addSource(page, 'Bank workbook', 'bank');
  await page.getByLabel(/Choose a file to upload/).setInputFiles(file);
  await expect(page.getByLabel('Sheet')).toHaveValue('Summary');
  await page.getByLabel('Sheet').selectOption('Transactions');
  await expect(page.getByTestId('preview-table')).toContainText('TX1002');
  await expect(page.getByLabel('Transaction id')).toHaveValue('TransactionID');
  await page.getByRole('button', { name: 'Ingest file' }).click();
  await expect(page.getByTestId('upload-outcome')).toContainText('3 rows ingested with profile v1');
});

test('a bank whose Reference is sometimes empty: the id is taken from the Description by a pattern the analyst previews', async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  await signIn(page, 'analyst');
  await addSource(page, 'Operating account', 'bank');
  // Cancel before mapping: the upload does not wait for a mapping for ever.
  await page.getByLabel(/Choose a file to upload/).setInputFiles(fixture('uploads', 'bank-reference-fallback.csv'));
  await expect(page.getByTestId('preview-table')).toBeVisible();
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(page.getByTestId('preview-table')).toHaveCount(0);
  await expect(page.getByTestId('ingestions-table')).toContainText('Aborted');
  await expect(page.getByTestId('ingestions-table')).not.toContainText('Waiting for mapping');
  await page.getByLabel(/Choose a file to upload/).setInputFiles(fixture('uploads', 'bank-reference-fallback.csv'));
  await expect(page.getByTestId('preview-table')).toBeVisible();
  await page.getByLabel('Transaction id').selectOption('Reference');
  await page.getByLabel('Status', { exact: true }).selectOption('Status');
  await page.getByLabel('Amount', { exact: true }).selectOption('Amount');
  await page.getByLabel('Date', { exact: true }).selectOption('Booking Date');
  await page.getByLabel('When the id is empty, take it from').selectOption('Description');
  // Without a pattern the whole description would be the id; with one, only the order number.
  await expect(page.getByTestId('id-preview')).toContainText('PAYPAL A-20403 (from Description)');
  await page.getByLabel(/^matching/).fill('(A-\\d+');
  await expect(page.getByText('This pattern is not a valid regular expression.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Ingest file' })).toBeDisabled();
  await page.getByLabel(/^matching/).fill('(A-\\d+)');
  await expect(page.getByTestId('id-preview')).toHaveText('Ids of the first rows: A-20401, A-20403 (from Description), A-20424, A-20431 (from Description), A-20436');
  await page.screenshot({ path: testInfo.outputPath('id-fallback.png'), fullPage: true });
  await page.getByLabel('“Booked” means').selectOption('Paid');
  await page.getByRole('button', { name: 'Ingest file' }).click();
  // Every row has an id: none is refused.
  await expect(page.getByTestId('upload-outcome')).toContainText('5 rows ingested with profile v1');
});

test('the acme bank statement, with no status column and some references empty, is ingested whole through the form', async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  await signIn(page, 'analyst');
  await addSource(page, 'Acme operating account', 'bank');
  await page.getByLabel(/Choose a file to upload/).setInputFiles(fixture('acme-romi', 'bank-statement.csv'));
  await expect(page.getByTestId('preview-table')).toBeVisible();
  await page.getByLabel('Transaction id').selectOption('Reference');
  await page.getByLabel('Status', { exact: true }).selectOption('');
  await page.getByLabel('Amount', { exact: true }).selectOption('Amount');
  await page.getByLabel('Date', { exact: true }).selectOption('Booking Date');
  await page.getByLabel('Currency column').selectOption('Currency');
  await expect(page.getByRole('button', { name: 'Ingest file' })).toBeDisabled();
  await page.getByLabel('No status column: every row is').selectOption('Paid');
  await page.getByLabel('When the id is empty, take it from').selectOption('Description');
  await page.getByLabel(/^matching/).fill('(A-\\d+)');
  await expect(page.getByTestId('id-preview')).toContainText('A-20403 (from Description)');
  await page.screenshot({ path: testInfo.outputPath('acme-bank-mapping.png'), fullPage: true });
  await page.getByRole('button', { name: 'Ingest file' }).click();
  await expect(page.getByTestId('upload-outcome')).toContainText('64 rows ingested with profile v1');
});

test('an analyst renames a source, and deletes one created by mistake (nothing depends on it)', async ({ page }, testInfo) => {
  await signIn(page, 'analyst');
  await addSource(page, 'Stirpe typo', 'gateway');
  const settings = page.getByTestId('source-settings');
  await settings.getByLabel('Name').fill('Stripe sandbox');
  await settings.getByRole('button', { name: 'Save name' }).click();
  await expect(settings.getByRole('status')).toHaveText('Saved.');
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Stripe sandbox' })).toBeVisible();
  await page.getByRole('button', { name: 'Delete this source…' }).click();
  await expect(page.getByText('This cannot be undone.')).toBeVisible();
  await page.getByTestId('source-settings').screenshot({ path: testInfo.outputPath('source-settings.png') });
  await page.getByText('This cannot be undone.').screenshot({ path: testInfo.outputPath('source-delete-confirm.png') });
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page).toHaveURL(/\/sources$/);
  await expect(page.getByRole('link', { name: 'Stripe sandbox' })).toHaveCount(0);
  // A source with records offers only to archive it.
  await page.getByRole('link', { name: 'Gateway', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Gateway' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Delete this source…' })).toHaveCount(0);
  await expect(page.getByText(/It cannot be deleted: [\d,]+ records/)).toBeVisible();
});


test('an analyst fixes a mapping after the upload: edits the profile and reads the upload again with it', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const file = testInfo.outputPath('erp-receivables.csv');
  const lines = ['Invoice,Date,Amount,State,Order'];
  for (let i = 1; i <= 30; i++) lines.push(`INV-${9000 + i},2025-02-${String((i % 27) + 1).padStart(2, '0')},${i}0.00,${i === 25 ? 'erp_processing' : 'erp_paid'},A-${9000 + i}`);
  (await import('node:fs')).writeFileSync(file, `${lines.join('\n')}\n`);
  await signIn(page, 'analyst');
  await addSource(page, 'ERP receivables', 'erp');
  await page.getByLabel(/Choose a file to upload/).setInputFiles(file);
  await expect(page.getByTestId('preview-table')).toBeVisible();
  await page.getByLabel('Transaction id').selectOption('Invoice');
  await page.getByLabel('Status', { exact: true }).selectOption('State');
  await page.getByLabel('Amount', { exact: true }).selectOption('Amount');
  await page.getByLabel('Date', { exact: true }).selectOption('Date');
  await page.getByLabel('“erp_paid” means').selectOption('Paid');
  // erp_processing left to the glossary (Unknown): the mistake this journey fixes.
  await page.getByRole('button', { name: 'Ingest file' }).click();
  await expect(page.getByTestId('upload-outcome')).toContainText('30 rows ingested with profile v1');

  await page.reload();
  const editor = page.getByTestId('profile-editor');
  await editor.getByRole('button', { name: 'Edit the profile…' }).click();
  await expect(editor.getByRole('heading', { name: 'The profile, on the rows of erp-receivables.csv' })).toBeVisible();
  // The codes of the whole upload, with their rows, from what is already ingested.
  await expect(editor.getByLabel('“erp_processing” means · 1 row', { exact: true })).toBeVisible();
  await editor.getByLabel(/“erp_processing” means/).selectOption('Pending');
  // The order number was kept by name when the file was first mapped; another column can be kept too, under a name.
  expect(await editor.locator('input[list="field-names"]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toContain('Order');
  await editor.getByRole('button', { name: 'Keep another column' }).click();
  await editor.getByLabel(/^Field \d+: column$/).last().selectOption('State');
  await editor.getByLabel(/^Field \d+: name$/).last().fill('Order');
  await expect(editor.getByText('Each field needs a name and a column, and names must differ.')).toBeVisible();
  await expect(editor.getByRole('button', { name: 'Save as a new version' })).toBeDisabled();
  await editor.getByLabel(/^Field \d+: name$/).last().fill('ERP state');
  await editor.getByRole('button', { name: 'Save as a new version' }).click();
  await expect(editor.getByRole('status')).toContainText('Saved as profile v2');
  await expect(page.getByTestId('profile-version')).toContainText('v2');
  await page.screenshot({ path: testInfo.outputPath('profile-saved.png'), fullPage: true });

  // The upload was read with v1: it can be read again with v2, after a confirmation.
  await page.getByRole('button', { name: 'Read again with v2…' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Read erp-receivables.csv again with profile v2?' });
  await expect(dialog).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('reprocess-confirm.png') });
  await dialog.getByRole('button', { name: 'Read again' }).click();
  await expect(page.getByTestId('toast')).toContainText('Read again with profile v2');
  await expect(page.getByTestId('ingestions-table').getByRole('row').filter({ hasText: 'erp-receivables.csv' })).toContainText('v2');
});
