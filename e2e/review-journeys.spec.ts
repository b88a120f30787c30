import { expect, test, type Page } from '@playwright/test';
import { expectNoSeriousA11yViolations, signIn } from './helpers';

// One reconciliation of the demo data (seed-003) serves both journeys, in this order.
test.describe.configure({ mode: 'serial' });

let runUrl = '';

async function startSeedRun(page: Page) {
  await page.goto('/runs');
  await expect(page.getByRole('heading', { name: 'One-off snapshot run' })).toBeVisible();
  // Other journeys may add sources to the same database: pick exactly Gateway and Bank.
  const boxes = page.locator('input[type=checkbox][name=source]');
  for (let i = 0; i < (await boxes.count()); i++) {
    const box = boxes.nth(i);
    const label = (await box.locator('xpath=..').innerText()).trim();
    await box.setChecked(/^(Gateway|Bank) ·/.test(label));
  }
  await page.getByRole('button', { name: 'Start run' }).click();
  await expect(page).toHaveURL(/\/runs\/[a-z0-9]+$/);
  await expect(page.getByTestId('run-status')).toHaveText('Completed', { timeout: 20_000 });
}

test('a reviewer runs the seed-003 reconciliation, resolves a critical discrepancy with a reason, bulk-resolves and undoes', async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, 'reviewer');
  await expect(page).toHaveURL(/\/dashboard$/);
  await startSeedRun(page);
  runUrl = page.url();
  await expect(page.getByTestId('kpi-keys')).toHaveText('25');
  await expect(page.getByTestId('kpi-matched')).toHaveText('4');
  await expect(page.getByTestId('kpi-mismatched')).toHaveText('14');
  await expect(page.getByTestId('kpi-missing')).toHaveText('7');
  await expect(page.getByTestId('run-summary')).toContainText('not in Bank: 2');
  await expect(page.getByTestId('run-summary')).toContainText('not in Gateway: 5');
  await expect(page.getByRole('img', { name: /Keys per class/ })).toBeVisible();
  await page.screenshot({ path: 'test-results/review-run.png', fullPage: true });

  // Filter the critical discrepancies.
  await page.getByRole('link', { name: 'Review discrepancies' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Discrepancies' })).toBeVisible();
  await expect(page.getByTestId('backlog')).toContainText('21');
  await page.getByRole('form', { name: 'Filters' }).getByLabel('Severity').selectOption('critical');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/severity=critical/);
  const table = page.getByTestId('discrepancy-table');
  await expect(table.locator('tbody tr')).toHaveCount(5);
  await expect(page.getByRole('heading', { name: '5 rows' })).toBeVisible();
  // The same filtered rows as CSV.
  const csv = await page.request.get(`/api/discrepancies/export?${new URL(page.url()).searchParams}`);
  expect(csv.status()).toBe(200);
  const lines = (await csv.text()).trim().split('\n');
  expect(lines).toHaveLength(6);
  expect(lines.slice(1).every((l) => l.includes('critical'))).toBe(true);
  await page.screenshot({ path: 'test-results/review-discrepancies.png', fullPage: true });
  await expectNoSeriousA11yViolations(page);

  // Resolve one with a reason and find it in the audit trail.
  await table.getByRole('link', { name: 'TX1011' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'TX1011' })).toBeVisible();
  await expect(page.getByTestId('sides').locator('tr.differs').first()).toBeVisible();
  await expect(page.getByLabel(/Apply the recommended action/)).toBeChecked();
  await page.getByLabel(/^Reason/).fill('Bank statement shows the payment failed; refund the payer');
  await page.screenshot({ path: 'test-results/review-detail.png', fullPage: true });
  await page.getByRole('button', { name: 'Record decision' }).click();
  await expect(page.getByTestId('row-state')).toHaveText('Resolved');
  await expect(page.getByTestId('final-state')).toContainText('Failed');
  const trail = page.getByTestId('audit-trail');
  await expect(trail).toContainText('Apply the recommended action');
  await expect(trail).toContainText('reviewer@demo.paidline.app');
  await expect(trail).toContainText('Bank statement shows the payment failed; refund the payer');
  await expectNoSeriousA11yViolations(page);

  // Bulk-resolve several warnings (amounts differ).
  await page.goto(`/discrepancies?${new URL(runUrl).pathname.replace('/runs/', 'run=')}&reason=amount&severity=warning&sort=key&dir=asc`);
  await expect(table.locator('tbody tr').first()).toBeVisible();
  for (const key of ['TX1004', 'TX1005', 'TX1006']) await page.getByRole('checkbox', { name: `Select ${key}` }).check();
  await expect(page.getByTestId('bulk-bar')).toContainText('3 selected');
  await page.getByLabel('Reason (required)').fill('Amounts differ: fail and refund per SOP');
  await page.getByRole('button', { name: 'Resolve selected' }).click();
  // Bulk work asks first, naming what will happen; Cancel leaves everything as it was.
  const dialog = page.getByRole('alertdialog', { name: 'Resolve 3 discrepancies?' });
  await expect(dialog).toContainText('Apply the recommended action, with the reason “Amounts differ: fail and refund per SOP”.');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(table.locator('tr[data-key=TX1004]')).not.toContainText('Resolved');
  await page.getByRole('button', { name: 'Resolve selected' }).click();
  await dialog.getByRole('button', { name: 'Resolve 3' }).click();
  await expect(page.getByTestId('toast')).toContainText('3 discrepancies resolved');
  for (const key of ['TX1004', 'TX1005', 'TX1006']) await expect(table.locator(`tr[data-key=${key}]`)).toContainText('Resolved');

  // Undo one of them.
  await table.getByRole('link', { name: 'TX1005' }).click();
  await expect(page.getByTestId('row-state')).toHaveText('Resolved');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByTestId('row-state')).toHaveText('Open');
  await expect(page.getByTestId('audit-trail')).toContainText('Undone');
  await expect(page.getByRole('button', { name: 'Record decision' })).toBeVisible();

  // A key the automatic rules settled: its decision, and its line of the one audit row the run's four settlements share.
  await page.goto(`/discrepancies?${new URL(runUrl).pathname.replace('/runs/', 'run=')}&cls=all&q=TX1000`);
  await table.getByRole('link', { name: 'TX1000' }).click();
  await expect(page.getByTestId('row-state')).toHaveText('Resolved');
  await expect(page.getByTestId('audit-trail')).toContainText('automatic rule');
  await page.getByText('Raw audit log (1)').click();
  const raw = page.locator('details', { hasText: 'Raw audit log' });
  await expect(raw).toContainText('discrepancy.auto_resolve');
  await expect(raw).toContainText('"key":"TX1000"');
  await expect(raw).toContainText('one audit row for the 4 entries settled together');
});

test('an executive sees the run but has no resolve control, and a forged resolve request is refused', async ({ page }) => {
  expect(runUrl, 'the reviewer journey runs first').not.toBe('');
  await signIn(page, 'executive');
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Reconciliations/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Reconciliations' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'One-off snapshot run' })).toHaveCount(0);
  await page.goto(runUrl);
  await expect(page.getByTestId('kpi-keys')).toHaveText('25');

  await page.goto(`/discrepancies?${new URL(runUrl).pathname.replace('/runs/', 'run=')}&severity=critical`);
  const table = page.getByTestId('discrepancy-table');
  await expect(table.locator('tbody tr')).toHaveCount(5);
  await expect(table.getByRole('checkbox')).toHaveCount(0);
  const link = table.getByRole('link', { name: 'TX1012' });
  const href = (await link.getAttribute('href'))!;
  await link.click();
  await expect(page.getByRole('heading', { level: 1, name: 'TX1012' })).toBeVisible();
  await expect(page.getByTestId('read-only-note')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Record decision' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Undo' })).toHaveCount(0);
  await page.screenshot({ path: 'test-results/review-executive-detail.png', fullPage: true });

  const id = href.split('/').pop();
  const forged = await page.request.post(`/api/discrepancies/${id}/resolve`, { data: { version: 0, action: 'write_off', reason: 'forged by an executive' } });
  expect(forged.status()).toBe(403);
  await page.reload();
  await expect(page.getByTestId('row-state')).toHaveText('Open');
});
