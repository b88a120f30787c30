import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

/**
 * An analyst manages the demo company's reconciliation in the browser: reconciles every key again,
 * compares the ledger with the point in time before that pass, and edits its description; a reviewer
 * sees the ledger but no settings.
 */
test('an analyst reconciles all again, compares with an earlier pass and edits the reconciliation', async ({ page, browser }, testInfo) => {
  test.setTimeout(120_000);
  await signIn(page, 'analyst');
  await page.goto('/runs');
  const passRows = page.getByTestId('passes-table').locator('tbody tr');
  const newestBefore = await passRows.first().textContent();
  const row = page.getByTestId('reconciliations-table').locator('tbody tr', { hasText: 'Payments' });
  await row.getByRole('button', { name: /Reconcile every key of Payments again/ }).click();
  await expect(row.getByRole('button', { name: /Reconcile every key of Payments again/ })).toHaveText('Queued');
  // The new full pass shows in the journal, on top, once it has finished.
  await expect(async () => {
    await page.reload();
    expect(await passRows.first().textContent()).not.toBe(newestBefore);
    await expect(passRows.first()).toContainText('full');
    await expect(passRows.first()).toContainText('Done');
  }).toPass({ timeout: 60_000 });

  await page.getByTestId('reconciliations-table').getByRole('link', { name: 'Payments' }).click();
  await expect(page.getByRole('heading', { name: 'Compare with an earlier point in time' })).toBeVisible();
  await page.getByRole('button', { name: 'Show what changed' }).click();
  await expect(page.getByRole('heading', { name: 'What changed in the ledger' })).toBeVisible();
  // The full pass read the same records: nothing new, nothing reopened.
  await expect(page.getByTestId('changes-reopened')).toHaveText(/^\d+$/);
  await page.screenshot({ path: testInfo.outputPath('ledger-changes.png'), fullPage: true });
  await page.getByRole('link', { name: /← Payments/ }).click();

  const settings = page.getByTestId('edit-reconciliation');
  await expect(settings.getByLabel('Name')).toHaveValue('Payments');
  // Sources that could join: payment systems only, not the CRM or the ad platforms.
  await expect(settings.getByLabel(/Add Gateway/)).toBeVisible();
  await expect(settings.getByLabel(/Add Google Ads/)).toHaveCount(0);
  await expect(settings.getByLabel(/Add HubSpot/)).toHaveCount(0);
  await settings.getByLabel(/Description/).fill('Card gateway, operating bank and ERP receivables (checked monthly)');
  await expect(page.getByTestId('full-pass-note')).toHaveCount(0);
  await settings.getByRole('button', { name: 'Save changes' }).click();
  await expect(settings.getByRole('status')).toHaveText('Saved.');
  await page.screenshot({ path: testInfo.outputPath('ledger-settings.png'), fullPage: true });
  await page.goto('/runs');
  await expect(page.getByTestId('reconciliations-table')).toContainText('checked monthly');

  // A reviewer reads the ledger but does not change what is reconciled.
  const context = await browser.newContext();
  const reviewer = await context.newPage();
  await signIn(reviewer, 'reviewer');
  await reviewer.goto('/runs');
  await reviewer.getByTestId('reconciliations-table').getByRole('link', { name: 'Payments' }).click();
  await expect(reviewer.getByRole('heading', { name: 'Passes' })).toBeVisible();
  await expect(reviewer.getByTestId('edit-reconciliation')).toHaveCount(0);
  await reviewer.goto('/runs');
  await expect(reviewer.getByTestId('new-reconciliation')).toHaveCount(0);
  await context.close();
});

test('an analyst lets a later source book a few days after the first one, and sets an amount tolerance', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await signIn(page, 'analyst');
  await page.goto('/runs');
  await page.getByTestId('reconciliations-table').getByRole('link', { name: 'Payments' }).click();
  const matching = page.getByTestId('matching');
  await expect(matching).toContainText('Dates compare by calendar day');
  const from = matching.getByLabel(/earliest day/).first();
  const to = matching.getByLabel(/latest day/).first();
  const said = matching.locator('[data-testid^="window-"]').first();
  await expect(from).toHaveValue('0');
  await expect(said).toContainText('on the same day as');

  // A window reads back as words before saving, and a reversed one is pointed out.
  await to.fill('3');
  await from.fill('1');
  await expect(said).toHaveText(/^1 to 3 days after \S/);
  await from.fill('5');
  await expect(said).toHaveText('the first day must not come after the last');
  await from.fill('1');
  await matching.getByLabel('Amounts may differ by (cents)').fill('2');
  await expect(page.getByTestId('full-pass-note')).toContainText('with the new matching');
  await page.screenshot({ path: testInfo.outputPath('ledger-matching.png'), fullPage: true });
  const settings = page.getByTestId('edit-reconciliation');
  await settings.getByRole('button', { name: 'Save changes' }).click();
  await expect(settings.getByRole('status')).toContainText('Every key is being reconciled again');

  await page.reload();
  await expect(matching.getByLabel(/earliest day/).first()).toHaveValue('1');
  await expect(matching.getByLabel(/latest day/).first()).toHaveValue('3');
  await expect(matching.getByLabel('Amounts may differ by (cents)')).toHaveValue('2');

  // Back to exact matching, so the other journeys see the demo as it ships.
  await matching.getByLabel(/earliest day/).first().fill('0');
  await matching.getByLabel(/latest day/).first().fill('0');
  await matching.getByLabel('Amounts may differ by (cents)').fill('0');
  await settings.getByRole('button', { name: 'Save changes' }).click();
  await expect(settings.getByRole('status')).toContainText('Every key is being reconciled again');
  await page.reload();
  await expect(matching.locator('[data-testid^="window-"]').first()).toContainText('on the same day as');
});
