/**
 * The onboarding acceptance journey (issue 19): a company starting from a clean workspace (npm run
 * workspace, no demo data) reaches a correct ROMI dashboard through the UI alone, with its own
 * exports (test/fixtures/acme-romi): the owner adds an analyst and an executive; the analyst creates
 * the sources, uploads each export and accepts or corrects the suggested mapping, creates the
 * reconciliation (Stripe and PayPal on one side, the bank 0-5 days later), links payments to deals by
 * the order number with the CRM's "Invoice Paid" condition, and names the channels; nobody resolves
 * anything. The executive then reads every figure of expected.json on the dashboard, to the cent.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { WORKSPACE_ADMIN, WORKSPACE_PORT } from '../playwright.config';
import { formatMoney } from '../lib/domain/money';
import { addSource, gotoSettled } from './helpers';

const ws = `http://127.0.0.1:${WORKSPACE_PORT}`;
const acme = (name: string) => path.resolve(__dirname, '..', 'test', 'fixtures', 'acme-romi', name);
type Figures = { revenue_cents: number; spend_cents: number };
const expected = JSON.parse(readFileSync(acme('expected.json'), 'utf8')) as {
  reconciled_paid_deals: number;
  not_yet_counted_cents: number;
  total_revenue_cents: number;
  channels: Record<string, Figures & { romi: number | null; by_month: Record<string, Figures>; campaigns: Record<string, Figures> }>;
};
const usd = (cents: number) => formatMoney(BigInt(cents), 'USD', { cents: true });

test.use({ baseURL: ws });

async function signInAs(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
}

async function createUser(page: Page, name: string, email: string, role: string): Promise<string> {
  await page.goto('/settings');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Role').selectOption(role);
  await page.getByRole('button', { name: 'Create user' }).click();
  const created = page.getByTestId('created-user');
  await expect(created).toContainText(email);
  return (await created.locator('code').textContent())!.trim();
}

async function upload(page: Page, file: string) {
  await page.getByLabel(/Choose a file to upload/).setInputFiles(acme(file));
  await expect(page.getByTestId('preview-table')).toBeVisible();
}

async function ingest(page: Page, rows: number, info: TestInfo, shot: string) {
  await page.screenshot({ path: info.outputPath(`${shot}.png`), fullPage: true });
  await page.getByRole('button', { name: 'Ingest file' }).click();
  await expect(page.getByTestId('upload-outcome')).toContainText(`${rows} rows ingested with profile v1`, { timeout: 30_000 });
}

/** Reloads until the locator shows the text: background work (passes, rebuilds) lands within seconds. */
async function eventually(page: Page, check: () => Promise<void>, timeout = 60_000) {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout, intervals: [1_000, 2_000, 3_000] });
}

test('a company from a clean workspace to a correct ROMI dashboard, through the UI alone', async ({ page }, info) => {
  test.setTimeout(300_000);
  let analystPassword = '';
  let executivePassword = '';

  await test.step('the owner signs in to an empty workspace and adds the team', async () => {
    await signInAs(page, WORKSPACE_ADMIN.email, WORKSPACE_ADMIN.password);
    await gotoSettled(page, '/dashboard');
    const start = page.getByTestId('getting-started');
    await expect(start).toContainText('From your own exports to a ROMI dashboard');
    await page.screenshot({ path: info.outputPath('01-getting-started.png'), fullPage: true });
    analystPassword = await createUser(page, 'Ana Analyst', 'ana@acme.example', 'analyst');
    executivePassword = await createUser(page, 'Eve Executive', 'eve@acme.example', 'executive');
    await signOut(page);
  });

  await test.step('the analyst uploads the two processors and the bank', async () => {
    await signInAs(page, 'ana@acme.example', analystPassword);
    await addSource(page, 'Stripe', 'gateway');
    await upload(page, 'stripe-payments.csv');
    // The order number joins everything: it is the key, not Stripe's charge id.
    await page.getByLabel('Transaction id').selectOption('order_number (metadata)');
    await page.getByLabel('Status', { exact: true }).selectOption('Status');
    await page.getByLabel('Date', { exact: true }).selectOption('Created date (UTC)');
    await page.getByLabel('Amount', { exact: true }).selectOption('Amount');
    await page.getByLabel('Currency column').selectOption('Currency');
    await ingest(page, 44, info, '02-stripe-mapping');

    await addSource(page, 'PayPal', 'gateway');
    await upload(page, 'paypal-activity.csv');
    await page.getByLabel('Transaction id').selectOption('Invoice Number');
    // PayPal writes DD/MM/YYYY in Pacific time: read from the samples (16/01/2025 has one reading only).
    await expect(page.getByLabel('Date format')).toHaveValue('DD/MM/YYYY');
    await expect(page.getByLabel('Time zone')).toHaveValue('America/Los_Angeles');
    await ingest(page, 38, info, '03-paypal-mapping');

    await addSource(page, 'Operating bank', 'bank');
    await upload(page, 'bank-statement.csv');
    await page.getByLabel('Transaction id').selectOption('Reference');
    await page.getByLabel('Status', { exact: true }).selectOption('');
    await page.getByLabel('Amount', { exact: true }).selectOption('Amount');
    await page.getByLabel('Date', { exact: true }).selectOption('Booking Date');
    await page.getByLabel('Currency column').selectOption('Currency');
    await page.getByLabel('No status column: every row is').selectOption('Paid');
    await page.getByLabel('When the id is empty, take it from').selectOption('Description');
    await page.getByLabel(/^matching/).fill('(A-\\d+)');
    await expect(page.getByTestId('id-preview')).toContainText('A-20403 (from Description)');
    await ingest(page, 64, info, '04-bank-mapping');
  });

  await test.step('the analyst uploads the CRM and the two ad platforms with the suggested mapping', async () => {
    await addSource(page, 'Salesforce', 'crm');
    await upload(page, 'salesforce-opportunities.csv');
    await expect(page.getByLabel('Transaction id')).toHaveValue('Opportunity ID');
    await expect(page.getByLabel('Date format')).toHaveValue('M/D/YYYY');
    // The CRM's own columns are kept by name: the order number and the payment status.
    const fields = page.getByTestId('mapping-fields');
    await expect(fields.locator('input[list="field-names"]').nth(0)).toBeVisible();
    const names = await fields.locator('input[list="field-names"]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(names).toEqual(expect.arrayContaining(['leadSource', 'campaign', 'Order Number', 'Payment Status']));
    await ingest(page, 90, info, '05-salesforce-mapping');

    await addSource(page, 'Google Ads', 'ads');
    await upload(page, 'google-ads-campaigns.csv');
    await expect(page.getByLabel('Transaction id')).toHaveValue('Campaign');
    await ingest(page, 180, info, '06-google-ads-mapping');

    await addSource(page, 'LinkedIn Ads', 'ads');
    await upload(page, 'linkedin-ads-campaigns.csv');
    await expect(page.getByLabel('Date format')).toHaveValue('M/D/YYYY');
    await ingest(page, 180, info, '07-linkedin-mapping');
  });

  await test.step('the analyst creates the reconciliation: the processors on one side, the bank 0-5 days later', async () => {
    await page.goto('/runs');
    const form = page.getByTestId('new-reconciliation');
    await form.getByLabel('Name').fill('Acme payments');
    await form.getByRole('checkbox', { name: /Stripe/ }).check();
    await form.getByRole('checkbox', { name: /PayPal/ }).check();
    await form.getByLabel('PayPal: its side').selectOption({ label: 'beside Stripe (same role)' });
    await form.getByRole('checkbox', { name: /Operating bank/ }).check();
    await page.screenshot({ path: info.outputPath('08-new-reconciliation.png'), fullPage: true });
    await form.getByRole('button', { name: 'Create reconciliation' }).click();
    await expect(form.getByRole('status')).toContainText('Created');
    await page.goto('/runs');
    await page.getByRole('link', { name: 'Acme payments' }).first().click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Acme payments');

    const settings = page.getByTestId('edit-reconciliation');
    await settings.getByLabel(/Operating bank: latest day/).fill('5');
    await settings.getByRole('checkbox', { name: /Stripe: several rows/ }).check();
    await settings.getByRole('checkbox', { name: /PayPal: several rows/ }).check();
    await expect(settings.getByTestId('window-Operating bank')).toContainText('0 to 5 days');
    await settings.getByRole('button', { name: 'Save changes' }).click();
    await expect(settings.getByRole('status')).toContainText('Every key is being reconciled again');
    // The pass with the new matching runs in the background; its journal says when it is done.
    await eventually(page, async () => {
      await expect(page.getByTestId('ledger-passes').getByRole('row').filter({ hasText: 'Rule-set change' }).first()).toContainText('Done');
      await expect(page.getByTestId('kpi-keys')).toHaveText('78');
    });
    await page.screenshot({ path: info.outputPath('09-ledger.png'), fullPage: true });
  });

  await test.step('the analyst links payments to deals, previewed before saving', async () => {
    const romi = page.getByTestId('romi-settings');
    // Out of the box nothing links: the CRM has no payment reference field of that name.
    await expect(page.getByTestId('romi-preview-link')).toContainText('0 of 78 won deals link to a payment');
    await romi.getByLabel('Payment field').selectOption('key');
    await romi.getByLabel('Deal field').selectOption('Order Number');
    await expect(page.getByTestId('romi-preview-link')).toContainText('78 of 78 won deals link to a payment');
    await romi.getByRole('radio', { name: /each won deal's amount/ }).check();
    await romi.getByLabel('Condition field').selectOption('Payment Status');
    await romi.getByRole('checkbox', { name: /^Invoice Paid/ }).check();
    const preview = page.getByTestId('romi-preview');
    await expect(page.getByTestId('romi-preview-counted')).toHaveText(`${expected.reconciled_paid_deals} deals count: ${usd(expected.total_revenue_cents)}`);
    await expect(page.getByTestId('romi-preview-waiting')).toContainText(usd(expected.not_yet_counted_cents));
    await expect(page.getByTestId('romi-preview-refunded')).toHaveText('4 deals refunded (count nothing)');
    await preview.scrollIntoViewIfNeeded();
    await page.screenshot({ path: info.outputPath('10-join-preview.png'), fullPage: true });
    await romi.getByRole('button', { name: 'Save ROMI settings' }).click();
    await expect(romi.getByRole('status')).toContainText('Saved');
  });

  await test.step('the analyst names the channels: each ad platform counts as the CRM\'s channel', async () => {
    await page.goto('/sources/channels');
    const mapping = page.getByTestId('channel-mapping');
    await expect(mapping.getByRole('table', { name: 'From your CRM (lead source or channel)' })).toContainText('Paid Search');
    // Google Ads looks like the CRM's Paid Search: suggested, not applied.
    await expect(mapping.getByLabel('Google Ads counts as')).toHaveValue('');
    await mapping.getByRole('button', { name: 'Use “Paid Search”' }).click();
    await mapping.getByLabel('LinkedIn Ads counts as').fill('Paid Social');
    await page.screenshot({ path: info.outputPath('11-channels.png'), fullPage: true });
    await mapping.getByRole('button', { name: 'Save 2 changes' }).click();
    await expect(mapping.getByRole('status')).toContainText('Saved 2 changes');
    await signOut(page);
  });

  await test.step('the executive reads expected.json on the dashboard, to the cent', async () => {
    await signInAs(page, 'eve@acme.example', executivePassword);
    await gotoSettled(page, '/dashboard?from=2025-01-01&to=2025-03-31');
    await eventually(page, async () => {
      await expect(page.getByTestId('kpi-revenue-USD')).toHaveText(formatMoney(BigInt(expected.total_revenue_cents), 'USD'));
      await expect(page.getByTestId('channel-table').locator('tr[data-channel="Paid Search"] td').nth(1)).toHaveText(usd(expected.channels['Paid Search']!.spend_cents));
    });
    await expect(page.getByTestId('kpi-notcounted-USD')).toHaveText(formatMoney(BigInt(expected.not_yet_counted_cents), 'USD'));
    // On a 1440 px screen the by-channel table fits: no sideways scrolling to reach its last column.
    await page.setViewportSize({ width: 1440, height: 900 });
    const overflow = await page.getByTestId('channel-table').evaluate((t) => t.parentElement!.scrollWidth - t.parentElement!.clientWidth);
    expect(overflow, 'by-channel table overflow at 1440 px').toBeLessThanOrEqual(0);
    await page.screenshot({ path: info.outputPath('12-dashboard.png'), fullPage: true });
    const channels = page.getByTestId('channel-table');
    await expect(channels.locator('tbody tr')).toHaveCount(Object.keys(expected.channels).length);
    for (const [channel, want] of Object.entries(expected.channels)) {
      const cells = channels.locator(`tr[data-channel="${channel}"] td`);
      await expect(cells.nth(0), `${channel} revenue`).toHaveText(usd(want.revenue_cents));
      await expect(cells.nth(1), `${channel} spend`).toHaveText(usd(want.spend_cents));
      if (want.romi === null) await expect(cells.nth(2), `${channel} ROMI`).toHaveText('n/a');
      else await expect(cells.nth(2), `${channel} ROMI`).toHaveAttribute('title', new RegExp(`^ROMI ${want.romi.toFixed(4).replace('.', '\\.')} = \\(revenue − spend\\) / spend`));
      for (const [campaign, c] of Object.entries(want.campaigns)) {
        const row = page.getByTestId('campaign-table').getByRole('row').filter({ has: page.getByRole('cell', { name: channel, exact: true }) }).filter({ has: page.getByRole('cell', { name: campaign, exact: true }) });
        await expect(row.locator('td').nth(2), `${campaign} revenue`).toHaveText(usd(c.revenue_cents));
        await expect(row.locator('td').nth(3), `${campaign} spend`).toHaveText(usd(c.spend_cents));
      }
    }
    // Month by month, per channel: revenue in the close month, spend in the month of the ad day.
    for (const [channel, want] of Object.entries(expected.channels)) {
      await gotoSettled(page, `/dashboard?from=2025-01-01&to=2025-03-31&channel=${encodeURIComponent(channel)}`);
      for (const [month, m] of Object.entries(want.by_month)) {
        const row = page.getByTestId('month-table').locator(`tr[data-month="${month}"]`);
        if (m.revenue_cents === 0 && m.spend_cents === 0 && (await row.count()) === 0) continue; // nothing that month
        await expect(row.locator('td').nth(0), `${channel} ${month} revenue`).toHaveText(usd(m.revenue_cents));
        await expect(row.locator('td').nth(1), `${channel} ${month} spend`).toHaveText(usd(m.spend_cents));
      }
    }
    await page.screenshot({ path: info.outputPath('13-dashboard-webinar.png'), fullPage: true });
  });

  await test.step('the owner reports in euros: monthly rates, a month without one flagged', async () => {
    await signOut(page);
    await signInAs(page, WORKSPACE_ADMIN.email, WORKSPACE_ADMIN.password);
    await page.goto('/settings');
    const fx = page.getByTestId('fx-settings');
    await fx.getByLabel('Reporting currency').fill('EUR');
    await fx.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByTestId('toast')).toContainText('Figures are reported in EUR');
    await fx.getByLabel('Add or replace monthly rates').fill('month,currency,rate\n2025-01,USD,0.9612\n2025-02,USD,0.9588\n2025-13,USD,1');
    await fx.getByRole('button', { name: 'Save rates' }).click();
    await expect(fx.getByRole('alert')).toContainText('Nothing was saved. Line 4: Months are written YYYY-MM, such as 2025-01.');
    await fx.getByLabel('Add or replace monthly rates').fill('month,currency,rate\n2025-01,USD,0.9612\n2025-02,USD,0.9588');
    await fx.getByRole('button', { name: 'Save rates' }).click();
    await expect(page.getByTestId('fx-rates')).toContainText('0.9612');
    await page.screenshot({ path: info.outputPath('14-fx-settings.png'), fullPage: true });
    await gotoSettled(page, '/dashboard?from=2025-01-01&to=2025-03-31');
    await expect(page.getByTestId('currency-note')).toContainText('Figures in EUR, the reporting currency. Converted with monthly rates: USD 2025-01 0.9612 · USD 2025-02 0.9588.');
    await expect(page.getByTestId('fx-missing')).toContainText('No exchange rate for USD in Mar 2025');
    await page.screenshot({ path: info.outputPath('15-dashboard-eur.png'), fullPage: true });
  });
});
