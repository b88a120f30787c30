import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

test('repeated wrong passwords lock the account; then even the right password is refused', async ({ page }) => {
  test.setTimeout(60_000);
  // A user of its own, so no other journey's account gets locked.
  await signIn(page, 'admin');
  await page.goto('/settings');
  await page.getByLabel('Name').fill('Lena Locked');
  await page.getByLabel('E-mail', { exact: true }).fill('lena@example.com');
  await page.getByLabel('Role').selectOption('executive');
  await page.getByRole('button', { name: 'Create user' }).click();
  const password = (await page.getByTestId('created-user').locator('code').textContent())!.trim();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);

  const attempt = async (pw: string) => {
    await page.getByLabel('E-mail', { exact: true }).fill('lena@example.com');
    await page.getByLabel('Password', { exact: true }).fill(pw);
    // Wait for the server action's answer: the form resets when it arrives.
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/login')),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
  };
  for (let i = 0; i < 5; i++) {
    await attempt(`wrong password ${i}`);
    await expect(page.getByTestId('login-error')).toHaveText(/e-mail or password is not right/);
  }
  await attempt(password);
  await expect(page.getByTestId('login-error')).toHaveText(/locked for a while/);
  await expect(page).toHaveURL(/\/login/);
});
