import type { Action } from '../domain/permissions';
import { can } from '../domain/permissions';
import type { Role } from '../domain/roles';

export type NavItem = { href: string; label: string; action: Action; description: string };

/** Main navigation; each entry is shown only to roles the matrix allows. */
export const NAV_ITEMS: readonly NavItem[] = [
  { href: '/dashboard', label: 'Dashboard', action: 'dashboard:view', description: 'ROMI on reconciled revenue' },
  { href: '/runs', label: 'Reconciliations', action: 'runs:view', description: 'Reconciliations, their ledgers and passes' },
  { href: '/discrepancies', label: 'Discrepancies', action: 'discrepancies:view', description: 'Mismatches to review' },
  { href: '/quality', label: 'Data quality', action: 'quality:view', description: 'Discrepancy rates, resolution times, freshness' },
  { href: '/reports', label: 'Reports', action: 'reports:view', description: 'Monthly report for executives and finance' },
  { href: '/sources', label: 'Sources', action: 'sources:view', description: 'Systems, profiles and uploads' },
  { href: '/alerts', label: 'Alerts', action: 'alerts:view', description: 'Alert history and delivery state' },
  { href: '/settings', label: 'Settings', action: 'settings:view', description: 'Users, rules and integrations' },
];

export function navFor(role: Role): NavItem[] {
  return NAV_ITEMS.filter((item) => can(role, item.action));
}

/** Where a role lands after sign-in: the first page it may open. */
export function homeFor(role: Role): string {
  return navFor(role)[0]?.href ?? '/account';
}

/** The permission a page path needs, derived from the navigation (longest prefix wins). */
export function actionForPath(pathname: string): Action | null {
  const match = [...NAV_ITEMS]
    .sort((a, b) => b.href.length - a.href.length)
    .find((item) => pathname === item.href || pathname.startsWith(`${item.href}/`));
  return match?.action ?? null;
}
