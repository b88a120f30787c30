import type { Role } from '@/lib/domain/roles';

/**
 * Demo logins, created only by `npm run demo` (PAIDLINE_DEMO=1). A production
 * start never creates users; there, the first admin comes from `npm run user:create`.
 */
export const DEMO_PASSWORD = 'paidline-demo';

export const DEMO_ACCOUNTS: readonly { email: string; name: string; role: Role }[] = [
  { email: 'admin@demo.paidline.app', name: 'Ada Admin', role: 'admin' },
  { email: 'exec@demo.paidline.app', name: 'Evan Executive', role: 'executive' },
  { email: 'analyst@demo.paidline.app', name: 'Ana Analyst', role: 'analyst' },
  { email: 'reviewer@demo.paidline.app', name: 'Rita Reviewer', role: 'reviewer' },
];

export function isDemoMode(): boolean {
  return process.env.PAIDLINE_DEMO === '1';
}
