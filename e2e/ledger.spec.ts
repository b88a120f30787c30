import { expect, test } from '@playwright/test';
import { gotoSettled, signIn } from './helpers';

/**
 * The living ledger: a new bank file reconciles by itself (no run started), reopens only the entry
 * whose facts it changed, with the reason, and the executive's dashboard moves by that payment.
 */
test('a new bank file reopens only the changed entry and moves the dashboard, without starting a run', async ({ browser }) => {
  test.setTimeout(120_000);
  const as = async (role: 'executive' | 'analyst' | 'reviewer') => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, role);
    return { context, page };
  };
  const revenue = async (page: import('@playwright/test').Page) => {
    await gotoSettled(page, '/dashboard');
    const text = (await page.getByTestId('kpi-revenue-USD').textContent())!;
    return Number(text.replace(/[^0-9.-]/g, ''));
  };

  const exec = await as('executive');
  const before = await revenue(exec.page);
  await expect(exec.page.getByTestId('freshness')).toContainText('Payments ledger');

  // The analyst uploads the bank's corrected statement: PAY-50001 came back as failed.
  const analyst = await as('analyst');
  await analyst.page.goto('/runs');
  const runsBefore = await analyst.page.getByTestId('runs-table').locator('tbody tr').count().catch(() => 0);
  await analyst.page.goto('/sources');
  await analyst.page.getByRole('link', { name: 'Operating bank' }).click();
  await analyst.page.getByLabel(/Choose a file to upload/).setInputFiles({
    name: 'operating-bank-correction.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('Reference,Date,Amount,Currency,Status,Customer Email\nPAY-50001,2026-05-31,1461.00,USD,Failed,buyer@example.org\n'),
  });
  await expect(analyst.page.getByTestId('preview-table')).toBeVisible();
  await analyst.page.getByRole('button', { name: 'Ingest file' }).click();
  await expect(analyst.page.getByTestId('upload-outcome')).toContainText('1 rows ingested');

  // The pass runs in the background: the journal shows it, with one entry reopened.
  await expect(async () => {
    await analyst.page.goto('/runs');
    const pass = analyst.page.getByTestId('passes-table').locator('tbody tr').first();
    await expect(pass).toContainText('Upload');
    await expect(pass).toContainText('Done');
  }).toPass({ timeout: 30_000 });
  const pass = analyst.page.getByTestId('passes-table').locator('tbody tr').first();
  await expect(pass.getByTestId('pass-outcome')).toContainText('1 reopened');
  // No run was started for it.
  expect(await analyst.page.getByTestId('runs-table').locator('tbody tr').count().catch(() => 0)).toBe(runsBefore);

  // The reviewer finds it open again, with the reason, and the earlier decision in its history.
  const reviewer = await as('reviewer');
  await reviewer.page.goto('/discrepancies?q=PAY-50001&cls=all&state=open');
  await reviewer.page.getByRole('link', { name: 'PAY-50001' }).click();
  await expect(reviewer.page.getByTestId('row-state')).toHaveText('Open');
  await expect(reviewer.page.getByTestId('reopen-reason')).toContainText('Operating bank now says Failed (was Paid)');
  await expect(reviewer.page.getByTestId('ledger-history')).toContainText('Reopened');

  // The executive's figure moved by exactly that payment.
  expect(Math.round((before - (await revenue(exec.page))) * 100)).toBe(146100);
  for (const s of [exec, analyst, reviewer]) await s.context.close();
});
