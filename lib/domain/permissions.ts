import type { Role } from './roles';

/**
 * The permission matrix: the single source of truth for who may do what.
 * Every page, server action and route handler asks `can(role, action)`
 * (through lib/auth/guard.ts); navigation is derived from it too.
 *
 * Executives read the dashboards and discrepancies; analysts upload, map and
 * reconcile; finance reviewers resolve discrepancies; admins do everything.
 */
export const PERMISSIONS = {
  'dashboard:view': ['admin', 'executive', 'analyst', 'reviewer'],
  'runs:view': ['admin', 'executive', 'analyst', 'reviewer'],
  'runs:start': ['admin', 'analyst', 'reviewer'],
  'reconciliations:manage': ['admin', 'analyst'],
  'discrepancies:view': ['admin', 'executive', 'analyst', 'reviewer'],
  'discrepancies:comment': ['admin', 'analyst', 'reviewer'],
  'discrepancies:resolve': ['admin', 'reviewer'],
  'discrepancies:escalate': ['admin', 'reviewer'],
  'alerts:view': ['admin', 'analyst', 'reviewer'],
  'sources:view': ['admin', 'analyst'],
  'sources:manage': ['admin', 'analyst'],
  'data:upload': ['admin', 'analyst'],
  'data:export': ['admin', 'executive', 'analyst', 'reviewer'],
  'rules:manage': ['admin'],
  'settings:view': ['admin'],
  'settings:notifications': ['admin'],
  'users:manage': ['admin'],
  'audit:view': ['admin'],
  'account:manage': ['admin', 'executive', 'analyst', 'reviewer'],
  'quality:view': ['admin', 'executive', 'analyst', 'reviewer'],
  'reports:view': ['admin', 'executive', 'reviewer'],
  'metrics:view': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof PERMISSIONS;
export const ACTIONS = Object.keys(PERMISSIONS) as Action[];

export function can(role: Role | null | undefined, action: Action): boolean {
  if (!role) return false;
  return (PERMISSIONS[action] as readonly Role[]).includes(role);
}

/** The roles that may perform an action, in matrix order. */
export function rolesThatCan(action: Action): Role[] {
  return [...PERMISSIONS[action]];
}

/** A discrepancy is assigned to someone who may resolve it. */
export const ASSIGNEE_ACTION: Action = 'discrepancies:resolve';

/** The actions a role may perform, in matrix order. */
export function actionsFor(role: Role): Action[] {
  return ACTIONS.filter((action) => can(role, action));
}
