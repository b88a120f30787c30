import { describe, expect, it } from 'vitest';
import { safeCallbackPath } from './safe-redirect';

describe('safeCallbackPath', () => {
  it('keeps local paths', () => {
    expect(safeCallbackPath('/runs?id=3')).toBe('/runs?id=3');
    expect(safeCallbackPath('/settings')).toBe('/settings');
  });
  it('refuses other sites, protocol-relative URLs and loops', () => {
    for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '/login', '/api/auth/signout', 42, null]) {
      expect(safeCallbackPath(bad)).toBe('/');
    }
  });
});
