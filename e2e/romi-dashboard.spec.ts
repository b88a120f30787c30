import { readFileSync } from 'node:fs';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { expectNoSeriousA11yViolations, gotoSettled, signIn } from './helpers';

// One demo company serves the whole journey, in this order.
test.describe.configure({ mode: 'serial' });

const CHANNEL = 'Google Ads';

/** "$12,345.67" or "-$1.00" -> minor units. */
function minor(text: string): number {
  const neg = text.includes('-');
  const digits = text.replace(/[^0-9]/g, '');
  return (neg ? -1 : 1) * Number(digits);
}

async function as(browser: Browser, role: 'executive' | 'reviewer'): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, role);
  return page;
}

async function channelRevenue(page: Page): Promise<number> {
  await gotoSettled(page, '/dashboard');
  const cell = page.getByTestId(`revenue-${CHANNEL}`);
  await expect(cell).toBeVisible();
  return minor(await cell.innerText());
}

let key = '';
let amount = 0;
let resultHref = '';

test('an executive lands on ROMI by channel and drills into one channel’s transactions', async ({ browser }) => {
  test.setTimeout(60_000);
  const exec = await as(browser, 'executive');
  await expect(exec).toHaveURL(/\/dashboard$/);
  await expect(exec.getByRole('heading', { name: 'ROMI by channel' })).toBeVisible();
  await expect(exec.getByTestId('attribution-model')).toHaveText('Attribution: Last touch');
  await expect(exec.getByRole('img', { name: /ROMI by channel: .*Google Ads/ })).toBeVisible();
  await expect(exec.getByTestId('channel-table').locator('tr[data-channel]')).not.toHaveCount(0);
  for (const ch of ['Google Ads', 'Meta Ads', 'LinkedIn Ads']) await expect(exec.getByTestId(`revenue-${ch}`)).toBeVisible();
  await expect(exec.getByTestId('freshness')).toContainText('not counted yet');
  await exec.screenshot({ path: 'test-results/romi-dashboard.png', fullPage: true });
  await expectNoSeriousA11yViolations(exec);

  const revenue = minor(await exec.getByTestId(`revenue-${CHANNEL}`).innerText());
  await exec.getByTestId(`revenue-${CHANNEL}`).click();
  await expect(exec.getByRole('heading', { level: 1, name: 'Reconciled paid revenue' })).toBeVisible();
  const rows = exec.getByTestId('drill-table').locator('tbody tr[data-key]');
  await expect(rows.first()).toBeVisible();
  await expect(exec.getByTestId('drill-summary')).toContainText((revenue / 100).toLocaleString('en-US', { minimumFractionDigits: 2 }));
  for (const channel of await rows.locator('td:nth-child(5)').allInnerTexts()) expect(channel).toBe(CHANNEL);
  for (const status of await rows.locator('td:nth-child(4)').allInnerTexts()) expect(['Paid', 'Refunded']).toContain(status);
  await exec.screenshot({ path: 'test-results/romi-drill.png', fullPage: true });
  const download = exec.waitForEvent('download');
  await exec.getByRole('link', { name: 'Export CSV' }).click();
  const csv = readFileSync(await (await download).path(), 'utf8').trim().split('\n');
  // Every row behind the figure, and only this channel's.
  const count = Number(/^([\d,]+) rows/.exec(await exec.getByTestId('drill-summary').innerText())![1]!.replace(/,/g, ''));
  expect(csv.length - 1).toBe(count);
  for (const line of csv.slice(1)) expect(line).toContain(CHANNEL);
  await exec.context().close();
});

test('a reviewer settles a payment as Paid, then corrects it to Failed: the channel’s revenue drops by exactly its amount', async ({ browser }) => {
  test.setTimeout(90_000);
  // The reviewer takes an open Google Ads payment and accepts the card gateway's Paid.
  const reviewer = await as(browser, 'reviewer');
  await gotoSettled(reviewer, `/dashboard/drill?kind=not_counted&channel=${encodeURIComponent(CHANNEL)}`);
  const open = reviewer.getByTestId('drill-table').locator('tbody tr[data-key]').filter({ hasText: 'open' }).first();
  await expect(open).toBeVisible();
  key = (await open.getAttribute('data-key'))!;
  await open.getByRole('link', { name: key }).click();
  await expect(reviewer.getByRole('heading', { level: 1, name: key })).toBeVisible();
  resultHref = reviewer.url();
  await reviewer.getByRole('radio', { name: "Accept one source's value" }).check();
  await reviewer.getByRole('radio', { name: /^Card gateway/ }).check();
  await reviewer.getByLabel(/^Reason/).fill('The card gateway shows the payment captured');
  await reviewer.getByRole('button', { name: 'Record decision' }).click();
  await expect(reviewer.getByTestId('final-state')).toContainText('Paid');

  // The executive sees it counted.
  const exec = await as(browser, 'executive');
  const withPayment = await channelRevenue(exec);
  await exec.getByTestId(`revenue-${CHANNEL}`).click();
  const row = exec.getByTestId('drill-table').locator(`tbody tr[data-key="${key}"]`);
  await expect(row).toBeVisible();
  amount = minor(await row.locator('td:nth-child(8)').innerText());
  expect(amount).toBeGreaterThan(0);

  // The bank returns it: the reviewer corrects the decision to Failed.
  await reviewer.goto(resultHref);
  await reviewer.getByRole('button', { name: 'Undo' }).click();
  await expect(reviewer.getByTestId('row-state')).toHaveText('Open');
  await reviewer.getByRole('radio', { name: 'Manual correction' }).check();
  await reviewer.getByRole('combobox', { name: 'Final status' }).selectOption('Failed');
  await reviewer.getByLabel(/^Final amount/).fill((amount / 100).toFixed(2));
  await reviewer.getByLabel(/^Reason/).fill('The bank returned the card payment: it failed');
  await reviewer.getByRole('button', { name: 'Record decision' }).click();
  await expect(reviewer.getByTestId('final-state')).toContainText('Failed');

  const after = await channelRevenue(exec);
  expect(withPayment - after).toBe(amount);
  await exec.getByTestId(`revenue-${CHANNEL}`).click();
  await expect(exec.getByTestId('drill-table').locator(`tbody tr[data-key="${key}"]`)).toHaveCount(0);
  await exec.context().close();
  await reviewer.context().close();
});

test('a dashboard view asks the server for nothing more until the reader reaches for a link', async ({ browser }) => {
  const signedIn = await as(browser, 'executive');
  // A fresh tab of the signed-in session: nothing of the sign-in's own navigation is counted.
  const exec = await signedIn.context().newPage();
  await signedIn.close();
  // Every request to the app (pages, prefetches, actions), static files and the session poll aside.
  const appRequests: string[] = [];
  exec.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/_next/static') || url.pathname.startsWith('/api/auth/') || url.pathname.startsWith('/favicon')) return;
    const kind = r.resourceType() === 'document' ? 'page' : r.headers()['next-router-prefetch'] ? 'prefetch' : 'data';
    appRequests.push(`${kind} ${url.pathname}${url.search.replace(/[?&]_rsc=[^&]*/, '')}`);
  });
  await gotoSettled(exec, '/dashboard');
  await expect(exec.getByTestId(`revenue-${CHANNEL}`)).toBeVisible();
  await exec.waitForLoadState('load');
  // Prefetches start as links scroll into view after hydration; give them time to show themselves.
  await exec.waitForTimeout(2000);
  // Before: every link in view prefetched its page, about 75 requests for one view of the demo's dashboard.
  expect(appRequests).toEqual(['page /dashboard']);

  // Hovering a drill-down prefetches that one page, and following it navigates without a document load.
  const link = exec.getByTestId(`revenue-${CHANNEL}`);
  const href = (await link.getAttribute('href'))!;
  const prefetched = exec.waitForRequest((r) => !!r.headers()['next-router-prefetch'] && new URL(r.url()).pathname === '/dashboard/drill');
  await link.hover();
  await prefetched;
  await link.click();
  await expect(exec.getByRole('heading', { level: 1, name: 'Reconciled paid revenue' })).toBeVisible();
  // Only the reached-for page was prefetched (Next.js may ask for its route tree and its data apart).
  const prefetches = appRequests.filter((r) => r.startsWith('prefetch '));
  expect(prefetches).toContain(`prefetch ${href}`);
  for (const p of prefetches) expect(p.startsWith('prefetch /dashboard/drill')).toBe(true);
  // A client-side navigation: no document request for the drill-down.
  expect(appRequests.filter((r) => r.startsWith('page '))).toEqual(['page /dashboard']);
  await exec.context().close();
});
