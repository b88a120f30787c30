import { describe, expect, it } from 'vitest';
import { ACTIONS, PERMISSIONS, actionsFor, can } from '@/lib/domain/permissions';
import { ROLES, type Role } from '@/lib/domain/roles';
import { actionForPath, homeFor, navFor } from './navigation';

// The expected matrix, written out independently of PERMISSIONS so that a change
// to the matrix must be made twice, on purpose.
const EXPECTED: Record<Role, string[]> = {
  admin: [...ACTIONS],
  executive: ['dashboard:view', 'runs:view', 'discrepancies:view', 'data:export', 'account:manage', 'quality:view', 'reports:view'],
  analyst: [
    'dashboard:view', 'runs:view', 'runs:start', 'reconciliations:manage', 'discrepancies:view', 'discrepancies:comment',
    'sources:view', 'sources:manage', 'data:upload', 'data:export', 'account:manage', 'alerts:view', 'quality:view',
  ],
  reviewer: [
    'dashboard:view', 'runs:view', 'runs:start', 'discrepancies:view', 'discrepancies:comment',
    'discrepancies:resolve', 'discrepancies:escalate', 'alerts:view', 'data:export', 'account:manage', 'quality:view', 'reports:view',
  ],
};

describe('permission matrix', () => {
  for (const role of ROLES) {
    for (const action of ACTIONS) {
      const expected = EXPECTED[role].includes(action);
      it(`${role} ${expected ? 'may' : 'may not'} ${action}`, () => {
        expect(can(role, action)).toBe(expected);
      });
    }
  }

  it('denies everything to a signed-out user', () => {
    for (const action of ACTIONS) expect(can(null, action)).toBe(false);
    for (const action of ACTIONS) expect(can(undefined, action)).toBe(false);
  });

  it('denies a role that is not in the matrix', () => {
    expect(can('root' as Role, 'users:manage')).toBe(false);
  });

  it('lists every action once and only known roles', () => {
    expect(new Set(ACTIONS).size).toBe(ACTIONS.length);
    for (const roles of Object.values(PERMISSIONS)) {
      for (const role of roles) expect(ROLES).toContain(role);
    }
  });

  it('actionsFor returns exactly the allowed actions', () => {
    for (const role of ROLES) expect(actionsFor(role).sort()).toEqual([...EXPECTED[role]].sort());
  });
});

describe('navigation derived from the matrix', () => {
  it('shows each role only the sections it may use', () => {
    expect(navFor('admin').map((i) => i.label)).toEqual(['Dashboard', 'Reconciliations', 'Discrepancies', 'Data quality', 'Reports', 'Sources', 'Alerts', 'Settings']);
    expect(navFor('executive').map((i) => i.label)).toEqual(['Dashboard', 'Reconciliations', 'Discrepancies', 'Data quality', 'Reports']);
    expect(navFor('analyst').map((i) => i.label)).toEqual(['Dashboard', 'Reconciliations', 'Discrepancies', 'Data quality', 'Sources', 'Alerts']);
    expect(navFor('reviewer').map((i) => i.label)).toEqual(['Dashboard', 'Reconciliations', 'Discrepancies', 'Data quality', 'Reports', 'Alerts']);
  });

  it('maps paths to the permission they need', () => {
    expect(actionForPath('/settings')).toBe('settings:view');
    expect(actionForPath('/settings/users')).toBe('settings:view');
    expect(actionForPath('/sources/abc')).toBe('sources:view');
    expect(actionForPath('/sourcesx')).toBeNull();
    expect(actionForPath('/account')).toBeNull();
  });

  it('sends every role to a page it may open', () => {
    for (const role of ROLES) expect(can(role, actionForPath(homeFor(role))!)).toBe(true);
  });
});
