import { describe, expect, it } from 'vitest';
import { safeCallbackPath } from './safe-redirect';

describe('safeCallbackPath', () => {
  it('keeps local paths', () => {
    expect(safeCallbackPath('/runs?id=3')).toBe('/runs?id=3');
    expect(safeCallbackPath('/settings')).toBe('/settings');
    expect(safeCallbackPath('/discrepancies?state=open#row-4')).toBe('/discrepancies?state=open#row-4');
  });

  it('refuses other sites, protocol-relative URLs and loops', () => {
    for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '/login', '/api/auth/signout', 42, null]) {
      expect(safeCallbackPath(bad)).toBe('/');
    }
  });

  it('refuses control characters that URL parsers drop between the slashes (the tab redirect)', () => {
    for (const bad of ['/\t/evil.example/x', '/\n/evil.example', '/\r/evil.example', '/%09/evil.example/x', '/\u0000x', '/a\u007f']) {
      expect(safeCallbackPath(bad)).toBe('/');
    }
  });

  it('refuses encoded slashes and backslashes, and paths that parse to another origin', () => {
    for (const bad of ['/%2F%2Fevil.example', '/%5Cevil.example', '/%2f/evil.example', '/x/../..//evil.example', '/' + 'a'.repeat(3000)]) {
      expect(safeCallbackPath(bad)).toBe('/');
    }
  });

  it('returns non-ASCII percent-encoded, so the redirect header is always valid', () => {
    expect(safeCallbackPath('/runs?q=é')).toBe('/runs?q=%C3%A9');
    expect(safeCallbackPath('/sources/ü')).toBe('/sources/%C3%BC');
    expect(safeCallbackPath('/sources/ü')).toMatch(/^[\x21-\x7e]+$/);
  });
});
