import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

test('pages carry a nonce-based CSP and security headers, and run under them without violations', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(msg.text())) violations.push(msg.text());
  });

  const response = await page.goto('/login');
  const headers = response!.headers();
  const csp = headers['content-security-policy'] ?? '';
  const scriptSrc = csp.split('; ').find((d) => d.startsWith('script-src')) ?? '';
  expect(scriptSrc).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}' 'strict-dynamic'$/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(headers['permissions-policy']).toBe('camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()');

  // The streaming upload route bypasses the proxy, yet carries a policy of its own and the same headers.
  const upload = await page.request.post('/api/sources/none/uploads', { data: 'x', headers: { origin: new URL(page.url()).origin } });
  expect(upload.headers()['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(upload.headers()['x-content-type-options']).toBe('nosniff');
  expect(upload.headers()['permissions-policy']).toContain('camera=()');

  // A second request gets another nonce.
  const again = await page.request.get('/login');
  expect(again.headers()['content-security-policy']).not.toBe(csp);

  // The app works under the policy: sign in (a server action), open pages with client components and charts.
  await signIn(page, 'reviewer');
  await page.goto('/runs');
  await expect(page.getByRole('heading', { name: 'One-off snapshot run' })).toBeVisible();
  await page.goto('/discrepancies');
  await expect(page.getByRole('heading', { level: 1, name: 'Discrepancies' })).toBeVisible();
  expect(violations).toEqual([]);
});
