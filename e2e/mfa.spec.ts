import { expect, test, type Page } from '@playwright/test';
import { generate } from 'otplib';
import { attemptSignInAs, expectNoSeriousA11yViolations, signIn } from './helpers';

const EMAIL = 'mfa-e2e@example.com';

/** A TOTP code for the step `offsetSteps` from now (the one just used cannot be used again). */
function code(secret: string, offsetSteps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
}

/** Password step, then the code step with a TOTP or a recovery code. */
async function signInWithSecondFactor(page: Page, password: string, secondFactor: { totp: string } | { recovery: string }) {
  await attemptSignInAs(page, EMAIL, password);
  await expect(page.getByText('Your account uses two-factor authentication.')).toBeVisible();
  if ('recovery' in secondFactor) {
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(secondFactor.recovery);
  } else {
    await page.getByLabel('Authentication code').fill(secondFactor.totp);
  }
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
}

test('a user enrols in MFA, then signs in with a code and with a recovery code (each recovery code once); sign out everywhere ends other sessions', async ({ page, browser }, testInfo) => {
  test.setTimeout(90_000);
  // An admin creates the user (the demo accounts stay without MFA for the other journeys).
  await signIn(page, 'admin');
  await page.goto('/settings');
  await page.getByLabel('Name').fill('Mia Factor');
  await page.getByLabel('E-mail', { exact: true }).fill(EMAIL);
  await page.getByRole('button', { name: 'Create user' }).click();
  const password = (await page.getByTestId('created-user').locator('code').textContent())!.trim();
  await signOut(page);

  // First sign-in: password only, MFA not set up yet.
  await attemptSignInAs(page, EMAIL, password);
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  await page.goto('/account/security');
  await expect(page.getByTestId('mfa-state')).toHaveText('Off');
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect(page.getByTestId('mfa-qr')).toBeVisible();
  const secret = (await page.getByTestId('mfa-secret').textContent())!.replace(/\s/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.screenshot({ path: testInfo.outputPath('mfa-enrol.png'), fullPage: true });
  await expectNoSeriousA11yViolations(page);

  // A wrong code first: refused, MFA stays off.
  await page.getByLabel('Code from your app').fill('000000' === (await code(secret)) ? '111111' : '000000');
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expect(page.getByTestId('security-error')).toContainText('That code is not right');
  await page.getByLabel('Code from your app').fill(await code(secret));
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expect(page.getByTestId('security-done')).toHaveText('Two-factor authentication is on.');
  const recovery = (await page.getByTestId('recovery-code').allTextContents()).map((c) => c.trim());
  expect(recovery).toHaveLength(10);
  await expect(page.getByRole('link', { name: 'Download .txt' })).toHaveAttribute('download', 'paidline-recovery-codes.txt');
  await page.screenshot({ path: testInfo.outputPath('mfa-recovery-codes.png'), fullPage: true });
  await page.getByRole('link', { name: /continue/ }).click();
  await page.goto('/account/security');
  // The secret is never shown again once MFA is on.
  await expect(page.getByTestId('mfa-state')).toHaveText('On');
  await expect(page.getByTestId('mfa-secret')).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);
  await signOut(page);

  // Sign in with the password and the next code from the app (the one used to enrol is spent).
  await signInWithSecondFactor(page, password, { totp: await code(secret, 1) });
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  await expect(page.getByTestId('user-name')).toHaveText('Mia Factor');
  await signOut(page);

  // A wrong password never reaches the code step.
  await attemptSignInAs(page, EMAIL, 'not the password at all');
  await expect(page.getByTestId('login-error')).toContainText('e-mail or password is not right');

  // A recovery code signs in once...
  await signInWithSecondFactor(page, password, { recovery: recovery[0]! });
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  await page.goto('/account/security');
  await expect(page.getByTestId('recovery-left')).toHaveText('9');
  await signOut(page);
  // ...and is refused the second time.
  await signInWithSecondFactor(page, password, { recovery: recovery[0]! });
  await expect(page.getByTestId('login-error')).toContainText('That code is not right');
  await page.screenshot({ path: testInfo.outputPath('mfa-signin-code.png') });
  await expect(page).toHaveURL(/\/login/);

  // Two browsers signed in; "Sign out everywhere" in one ends the other's session too.
  await signInWithSecondFactor(page, password, { recovery: recovery[1]! });
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signInWithSecondFactor(otherPage, password, { recovery: recovery[2]! });
  await otherPage.waitForURL((url) => !url.pathname.startsWith('/login'));
  await otherPage.goto('/account');
  await expect(otherPage.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();

  await page.goto('/account');
  await page.screenshot({ path: testInfo.outputPath('account.png'), fullPage: true });
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(page).toHaveURL(/\/login/);
  await otherPage.goto('/account');
  await expect(otherPage).toHaveURL(/\/login/);
  const me = await otherPage.request.get('/api/me');
  expect(me.status()).toBe(401);
  await other.close();
});
