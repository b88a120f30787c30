import { describe, expect, it } from 'vitest';
import { isPublicPath } from './public-paths';

describe('public paths', () => {
  it('lets the sign-in page, Auth.js endpoints and health through', () => {
    for (const p of ['/login', '/api/auth/session', '/api/auth/callback/credentials', '/api/health', '/api/webhooks/stripe-eu', '/api/telegram/webhook']) {
      expect(isPublicPath(p), p).toBe(true);
    }
  });
  it('guards everything else, including look-alikes', () => {
    for (const p of ['/', '/dashboard', '/settings', '/api/runs', '/loginx', '/api/healthz', '/api/authx', '/api/webhooksx', '/api/sources/x/uploads', '/api/telegram/webhookx', '/api/telegram']) {
      expect(isPublicPath(p), p).toBe(false);
    }
  });
});
