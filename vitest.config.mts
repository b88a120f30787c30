import { defineConfig } from 'vitest/config';
import path from 'node:path';

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    include: ['lib/**/*.test.ts', 'scripts/**/*.test.ts', 'tools/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    // Tests start their fake external APIs on loopback, which outbound requests refuse unless allowed
    // (lib/server/http/outbound.ts); its own tests clear this to check the refusal.
    // PAIDLINE_PEER_TOKEN: requests stamped by test/peer.ts carry the client address as scripts/serve.mjs does.
    env: { PAIDLINE_OUTBOUND_ALLOW: '127.0.0.1,localhost,::1', PAIDLINE_PEER_TOKEN: 'vitest-peer-token' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
