import { expect, test } from '@playwright/test';
import { demoAccount, expectNoSeriousA11yViolations, signIn } from './helpers';

// The Copy button writes to the clipboard; the journey reads it back.
test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test('an analyst makes a read-only API token, uses it while its secret is shown once, and revokes it; an admin sees and revokes theirs', async ({ page, request }) => {
  const analyst = demoAccount('analyst');
  // The form, the dialog (Radix adds style tags), the toasts and the Copy buttons all run under the CSP.
  const violations: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(msg.text())) violations.push(msg.text());
  });
  await signIn(page, 'analyst');
  await page.getByRole('link', { name: 'Account', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await page.getByRole('link', { name: 'Manage API tokens' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'API tokens' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'API reference', exact: true }).first()).toHaveAttribute('href', '/api-docs');
  await expect(page.getByRole('link', { name: 'OpenAPI 3.1 JSON' })).toHaveAttribute('href', '/api/v1/openapi.json');
  // Not an admin: only their own tokens.
  await expect(page.getByRole('heading', { name: "Everyone's tokens" })).toHaveCount(0);

  // A token needs a name; the refusal keeps the other choices.
  await page.getByLabel('Read only').check();
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByText('Name the token after what uses it')).toBeVisible();
  await expect(page.getByLabel('Name')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Read only')).toBeChecked();

  await page.getByLabel('Name').fill('Nightly export');
  await expect(page.getByLabel('Expires after')).toHaveValue('90');
  await page.getByRole('button', { name: 'Create token' }).click();
  const shown = page.getByTestId('new-token');
  await expect(shown).toContainText('Copy it now: it will not be shown again');
  const secret = (await page.getByTestId('token-secret').textContent())!.trim();
  expect(secret).toMatch(/^pl_[A-Za-z0-9_-]{40,}$/);
  await expect(shown).toContainText(`PAIDLINE_TOKEN=${secret} npm run paidline -- whoami`);
  await expect(shown).toContainText(`curl -H "Authorization: Bearer ${secret}" `);
  await shown.getByRole('button', { name: 'Copy token' }).click();
  await expect(shown.getByRole('button', { name: 'Copied', exact: true })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  // The form is ready for the next token; the list has this one.
  await expect(page.getByLabel('Name')).toHaveValue('');
  const row = page.getByTestId('my-tokens').getByRole('row').filter({ hasText: 'Nightly export' });
  await expect(row).toContainText(secret.slice(0, 11));
  await expect(row).toContainText('Read only');
  await expect(row.getByTestId('token-state')).toHaveText('Active');
  await expectNoSeriousA11yViolations(page);

  // The secret works from anywhere (no cookies here), as the analyst, read-only.
  const bearer = { Authorization: `Bearer ${secret}` };
  const me = await request.get('/api/v1/me', { headers: bearer });
  expect(me.status()).toBe(200);
  const body = (await me.json()) as { user: { email: string; role: string }; token: { readOnly: boolean } };
  expect(body.user).toMatchObject({ email: analyst.email, role: 'analyst' });
  expect(body.token.readOnly).toBe(true);

  // Shown once: after a reload it is gone for good; the list says it works and when it was last used.
  await page.reload();
  await expect(page.getByTestId('token-secret')).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);
  await expect(row.getByTestId('token-state')).toHaveText('Active');
  await expect(row.getByTestId('token-last-used')).not.toContainText('Never');

  // Revoked after a confirmation: the same request is refused from now on.
  await row.getByRole('button', { name: 'Revoke Nightly export' }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText('stops working at once');
  await dialog.getByRole('button', { name: 'Revoke token' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: 'revoked' })).toBeVisible();
  await expect(row.getByTestId('token-state')).toHaveText('Revoked');
  await expect(row.getByRole('button', { name: /Revoke/ })).toHaveCount(0);
  const after = await request.get('/api/v1/me', { headers: bearer });
  expect(after.status()).toBe(401);

  // A second token, for everything the analyst may do, that never expires.
  await page.getByLabel('Name').fill('Shared report script');
  await page.getByLabel('Expires after').selectOption('never');
  await page.getByRole('button', { name: 'Create token' }).click();
  const second = (await page.getByTestId('token-secret').textContent())!.trim();
  await expect(page.getByTestId('new-token')).toContainText('It does not expire.');
  expect((await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${second}` } })).status()).toBe(200);

  // An admin sees it among everyone's tokens (not among their own) and revokes it.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await signIn(page, 'admin');
  await page.goto('/account/tokens');
  await expect(page.getByTestId('my-tokens')).toHaveCount(0);
  const theirs = page.getByTestId('all-tokens').getByRole('row').filter({ hasText: 'Shared report script' });
  await expect(theirs).toContainText(analyst.email);
  await expect(theirs).toContainText('Analyst');
  await expect(theirs).toContainText('Read & write');
  await expect(theirs.getByTestId('token-state')).toHaveText('Active');
  await expect(page.getByTestId('all-tokens').getByRole('row').filter({ hasText: 'Nightly export' }).getByTestId('token-state')).toHaveText('Revoked');
  await theirs.getByRole('button', { name: `Revoke Shared report script of ${analyst.email}` }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke token' }).click();
  await expect(theirs.getByTestId('token-state')).toHaveText('Revoked');
  expect((await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${second}` } })).status()).toBe(401);
  expect(violations).toEqual([]);
});
