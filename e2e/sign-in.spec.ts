import { expect, test } from '@playwright/test';
import { NAV_ITEMS, navFor } from '../lib/auth/navigation';
import { ROLES, ROLE_LABELS } from '../lib/domain/roles';
import { attemptSignIn, demoAccount, expectNoSeriousA11yViolations, signIn } from './helpers';

// Every section the navigation knows: a new one is checked for every role without editing this test.
const ALL_SECTIONS = NAV_ITEMS.map((i) => i.label);

test('a signed-out visit to an app page lands on /login and returns there after sign-in', async ({ page }) => {
  await page.goto('/sources');
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fsources$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('E-mail', { exact: true }).fill(demoAccount('analyst').email);
  await page.getByLabel('Password', { exact: true }).fill('paidline-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/sources$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sources' })).toBeVisible();
});

test('a signed-out API request gets 401', async ({ request }) => {
  const response = await request.get('/api/me');
  expect(response.status()).toBe(401);
  expect(await response.json()).toEqual({ error: 'Sign in to use this API.' });
});

test('a wrong password shows an error and does not sign in', async ({ page }) => {
  await attemptSignIn(page, 'admin', 'not-the-password');
  await expect(page.getByTestId('login-error')).toHaveText(/e-mail or password is not right/);
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByLabel('E-mail', { exact: true })).toHaveValue(demoAccount('admin').email);
  const me = await page.request.get('/api/me');
  expect(me.status()).toBe(401);
});

test('the login page has no serious accessibility violations', async ({ page }) => {
  await page.goto('/login');
  await expectNoSeriousA11yViolations(page);
});

for (const role of ROLES) {
  test(`${role} signs in and sees only its navigation`, async ({ page }) => {
    await signIn(page, role);
    const expected = navFor(role).map((i) => i.label);
    await expect(page).toHaveURL(new RegExp(`${navFor(role)[0]!.href}$`));
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const label of ALL_SECTIONS) {
      const link = nav.getByRole('link', { name: new RegExp(`^${label}`) });
      if (expected.includes(label)) await expect(link).toBeVisible();
      else await expect(link).toHaveCount(0);
    }
    await expect(page.getByTestId('user-role')).toHaveText(ROLE_LABELS[role]);
    await expectNoSeriousA11yViolations(page);

    // The server decides, not the menu: a page outside the role's navigation answers 403.
    const hidden = ['/settings', '/sources', '/runs'].find((p) => !navFor(role).some((i) => i.href === p));
    if (hidden) {
      const response = await page.goto(hidden);
      expect(response?.status()).toBe(403);
      await expect(page.getByRole('heading', { name: 'Your role cannot open this page' })).toBeVisible();
    }

    const me = await page.request.get('/api/me');
    expect(me.status()).toBe(200);
    expect((await me.json()).user.role).toBe(role);
  });
}

test('signing out ends the session', async ({ page }) => {
  await signIn(page, 'reviewer');
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/discrepancies');
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fdiscrepancies/);
});
