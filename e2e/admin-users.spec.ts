import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

test('an admin adds a finance reviewer, who then signs in with the one-time password', async ({ page }) => {
  await signIn(page, 'admin');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Settings/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();

  // Invalid input first: a clear message, nothing created.
  await page.getByLabel('Name').fill('Rui Reviewer');
  await page.getByLabel('E-mail', { exact: true }).fill('not-an-email');
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByText('Enter a valid e-mail address, such as ana@example.com.')).toBeVisible();
  // What was typed stays, so only the wrong field needs fixing.
  await expect(page.getByLabel('Name')).toHaveValue('Rui Reviewer');
  await expect(page.getByLabel('E-mail', { exact: true })).toHaveValue('not-an-email');

  await page.getByLabel('E-mail', { exact: true }).fill('rui@example.com');
  await page.getByLabel('Role').selectOption('reviewer');
  await page.getByRole('button', { name: 'Create user' }).click();
  const created = page.getByTestId('created-user');
  await expect(created).toContainText('rui@example.com');
  const password = (await created.locator('code').textContent())!.trim();
  await expect(page.getByRole('cell', { name: 'rui@example.com' })).toBeVisible();

  // The creation is in the audit log, which only admins can read and export.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByLabel('Action').selectOption('user.create');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/action=user\.create/);
  const row = page.getByTestId('audit-table').getByRole('row').filter({ hasText: 'rui@example.com' });
  await expect(row).toContainText('admin@demo.paidline.app');
  await expect(row).toContainText('"role":"reviewer"');
  const csv = await page.request.get('/api/audit?action=user.create');
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toContain('rui@example.com');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel('E-mail', { exact: true }).fill('rui@example.com');
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('user-role')).toHaveText('Finance reviewer');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Settings/ })).toHaveCount(0);
  expect((await page.goto('/settings/audit'))?.status()).toBe(403);
  expect((await page.request.get('/api/audit')).status()).toBe(403);
});
