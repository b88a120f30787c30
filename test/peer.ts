import { PEER_HEADER, PEER_TOKEN_ENV } from '@/lib/server/http/client-ip';

/**
 * Requests as Paidline's server (scripts/serve.mjs) hands them on: stamped with the socket address
 * and the process's token. vitest.config.mts sets the token for every test process.
 */
export function fromPeer(ip: string): Record<string, string> {
  const token = process.env[PEER_TOKEN_ENV];
  if (!token) throw new Error(`${PEER_TOKEN_ENV} is not set: vitest.config.mts sets it for the tests.`);
  return { [PEER_HEADER]: `${token} ${ip}` };
}
