import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, isHttps, newNonce } from './security-headers';

describe('content security policy', () => {
  it('allows scripts only with the nonce and never inline or eval in production', () => {
    const csp = contentSecurityPolicy('abc123', { https: false, dev: false });
    const script = csp.split('; ').find((d) => d.startsWith('script-src'))!;
    expect(script).toBe("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });
  it('upgrades insecure requests only over HTTPS', () => {
    expect(contentSecurityPolicy('n', { https: true, dev: false })).toContain('upgrade-insecure-requests');
  });
  it('detects HTTPS directly or behind a TLS-terminating proxy', () => {
    expect(isHttps(new URL('https://x.example/'), new Headers())).toBe(true);
    expect(isHttps(new URL('http://x.example/'), new Headers({ 'x-forwarded-proto': 'https' }))).toBe(true);
    expect(isHttps(new URL('http://x.example/'), new Headers())).toBe(false);
  });
  it('makes a different nonce every time', () => {
    const a = newNonce();
    expect(a).not.toBe(newNonce());
    expect(atob(a)).toHaveLength(16);
  });
});
