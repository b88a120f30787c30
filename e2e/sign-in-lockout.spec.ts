import { expect, test, type Page } from '@playwright/test';
import { attemptSignInAs, gotoSettled, signIn } from './helpers';

/** Submits the sign-in form and waits for the server action's answer. */
async function attempt(page: Page, email: string, password: string) {
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/login')),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

test('a stranger\'s wrong passwords hold back the stranger, not the owner; an unknown e-mail reads the same', async ({ page, browser }) => {
  test.setTimeout(90_000);
  // A user of its own, so no other journey's account is touched.
  await signIn(page, 'admin');
  await page.goto('/settings');
  await page.getByLabel('Name').fill('Lena Held');
  await page.getByLabel('E-mail', { exact: true }).fill('lena@example.com');
  await page.getByLabel('Role').selectOption('executive');
  await page.getByRole('button', { name: 'Create user' }).click();
  const password = (await page.getByTestId('created-user').locator('code').textContent())!.trim();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);

  // Lena signs in once in her own browser: it becomes a trusted device for her account.
  const lenaBrowser = await browser.newContext();
  const lena = await lenaBrowser.newPage();
  await attemptSignInAs(lena, 'lena@example.com', password);
  await lena.waitForURL((url) => !url.pathname.startsWith('/login'));
  await lena.getByRole('button', { name: 'Sign out' }).click();
  await expect(lena).toHaveURL(/\/login/);

  // A stranger guesses: five wrong passwords, then held back, even with the right one.
  for (let i = 0; i < 5; i++) {
    await attempt(page, 'lena@example.com', `wrong password ${i}`);
    await expect(page.getByTestId('login-error')).toHaveText(/e-mail or password is not right/);
  }
  await attempt(page, 'lena@example.com', password);
  const error = page.getByTestId('login-error');
  await expect(error).toHaveText(/Too many failed sign-ins for this e-mail\. Try again in \d+ seconds\./);
  await expect(error).toContainText('npm run user:unlock');
  await expect(page).toHaveURL(/\/login/);
  const heldForLena = (await error.textContent())!.replace(/\d+ seconds/, 'N seconds');

  // The same for an e-mail nobody has: the answers do not tell accounts apart.
  for (let i = 0; i < 5; i++) {
    await attempt(page, 'nobody@example.com', `wrong password ${i}`);
    await expect(error).toHaveText(/e-mail or password is not right/);
  }
  await attempt(page, 'nobody@example.com', 'anything at all');
  await expect(error).toHaveText(/Too many failed sign-ins/);
  expect((await error.textContent())!.replace(/\d+ seconds/, 'N seconds')).toBe(heldForLena);

  // Lena, in her own browser, is not held back by the stranger.
  await attemptSignInAs(lena, 'lena@example.com', password);
  await lena.waitForURL((url) => !url.pathname.startsWith('/login'));
  await lenaBrowser.close();
});

test('"Sign out" ends the session on the server: a copied cookie opens nothing afterwards', async ({ browser }) => {
  const owner = await browser.newContext();
  const page = await owner.newPage();
  await signIn(page, 'executive');
  await gotoSettled(page, '/dashboard');
  const copied = await browser.newContext();
  await copied.addCookies(await owner.cookies());
  const thief = await copied.newPage();
  await thief.goto('/dashboard');
  await expect(thief).toHaveURL(/\/dashboard/);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);

  await thief.goto('/dashboard');
  await expect(thief).toHaveURL(/\/login/);
  expect((await copied.request.get('/api/me')).status()).toBe(401);
  await owner.close();
  await copied.close();
});

test('rate limits and the audit log see the socket address, not a forged X-Forwarded-For or stamp', async ({ browser }) => {
  const forged = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': '6.6.6.6', 'x-paidline-peer': 'forged 7.7.7.7' } });
  const page = await forged.newPage();
  await signIn(page, 'admin');
  const csv = await (await forged.request.get('/api/audit?action=auth.signin')).text();
  const lines = csv.trim().split('\n').slice(1).filter((l) => l.includes(',auth.signin,'));
  expect(lines.length).toBeGreaterThan(0);
  const last = lines.at(-1)!;
  expect(last).not.toContain('6.6.6.6');
  expect(last).not.toContain('7.7.7.7');
  expect(last).toMatch(/,127\.0\.0\.1,/);
  await forged.close();
});
