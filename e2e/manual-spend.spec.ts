import { expect, test } from '@playwright/test';
import { gotoSettled, signIn } from './helpers';

test('an analyst records spend by hand; the executive sees it in the channel figures', async ({ browser }) => {
  test.setTimeout(60_000);
  const analyst = await (await browser.newContext()).newPage();
  await signIn(analyst, 'analyst');
  await analyst.goto('/sources');
  const form = analyst.getByRole('form', { name: 'Record spend' });
  await form.getByLabel('Day').fill('2026-09-15');
  await form.getByLabel('Channel').fill('Podcast ads');
  await form.getByLabel('Campaign').fill('Q3 sponsorship');
  await form.getByLabel('Amount').fill('1,250x');
  await form.getByRole('button', { name: 'Record spend' }).click();
  await expect(form.getByText(/not a number like 1,250\.00/)).toBeVisible();
  await form.getByLabel('Amount').fill('1,250.00');
  await form.getByRole('button', { name: 'Record spend' }).click();
  await expect(analyst.getByTestId('spend-added')).toBeVisible();
  await expect(analyst.getByRole('row').filter({ hasText: 'Manual spend' })).toBeVisible();

  const exec = await (await browser.newContext()).newPage();
  await signIn(exec, 'executive');
  // The figures are rebuilt in the background: a reload shows them within seconds.
  await expect(async () => {
    await gotoSettled(exec, '/dashboard');
    await expect(exec.getByTestId('channel-table').getByRole('row').filter({ hasText: 'Podcast ads' })).toContainText('$1,250', { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
});
