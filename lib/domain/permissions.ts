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

/** What each permission lets a person do, in words (the account page lists a role's). */
export const ACTION_LABELS: Record<Action, string> = {
  'dashboard:view': 'See the ROMI dashboard and its drill-downs',
  'runs:view': 'See reconciliations, their ledgers and passes',
  'runs:start': 'Reconcile again and start snapshot runs',
  'reconciliations:manage': 'Create, edit and archive reconciliations',
  'discrepancies:view': 'See discrepancies',
  'discrepancies:comment': 'Comment on discrepancies and assign them',
  'discrepancies:resolve': 'Resolve discrepancies and undo resolutions',
  'discrepancies:escalate': 'Escalate discrepancies to support',
  'alerts:view': 'See alerts',
  'sources:view': 'See sources, their profiles and uploads',
  'sources:manage': 'Add and configure sources and connectors',
  'data:upload': 'Upload exports and record manual spend',
  'data:export': 'Export figures and rows as CSV',
  'rules:manage': 'Change rule sets',
  'settings:view': 'See settings',
  'settings:notifications': 'Configure alerts and notifications',
  'users:manage': 'Invite, change and disable users',
  'audit:view': 'Read the audit log',
  'account:manage': 'Manage your own account, password and MFA',
  'quality:view': 'See data quality figures',
  'reports:view': 'Read and print the monthly report',
  'metrics:view': 'Read the service metrics',
};
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
