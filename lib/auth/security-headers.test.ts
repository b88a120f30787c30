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
  it('allows style elements only from our files or with the nonce; inline style attributes only (CSP3 style-src-attr)', () => {
    const csp = contentSecurityPolicy('abc123', { https: false, dev: false });
    const directives = csp.split('; ');
    expect(directives.find((d) => d.startsWith('style-src '))).toBe("style-src 'self' 'nonce-abc123'");
    expect(directives.find((d) => d.startsWith('style-src-attr'))).toBe("style-src-attr 'unsafe-inline'");
    expect(directives.filter((d) => d.includes("'unsafe-inline'"))).toEqual(["style-src-attr 'unsafe-inline'"]);
    // The dev server injects plain <style> elements (hot reload): only there do they pass without the nonce.
    expect(contentSecurityPolicy('n', { https: false, dev: true }).split('; ')).toContain("style-src 'self' 'unsafe-inline'");
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
