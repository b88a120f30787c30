/**
 * What every server action and route handler declares about access, attached to the function the
 * pipeline returns: the access tests (test/integration/access-*.test.ts) read it instead of
 * scanning source text, and a function without it did not go through the pipeline.
 */
import type { Action } from '@/lib/domain/permissions';

/** A permission from the matrix, or public on purpose (with why). */
export type Permission = Action | { public: string };

export type DeclaredAccess = {
  kind: 'action' | 'route';
  name: string;
  permission: Action | null;
  /** Why it is public (null when a permission is required). */
  publicReason: string | null;
  /** Server actions open to a user who still has to enrol in MFA. */
  allowMfaPending: boolean;
  /** Routes only: a credential that stands in for the session (the metrics bearer token). */
  alternativeCredential: boolean;
};

const ACCESS = Symbol.for('paidline.declaredAccess');

export function declareAccess<F extends object>(target: F, access: DeclaredAccess): F {
  Object.defineProperty(target, ACCESS, { value: Object.freeze(access), enumerable: false });
  return target;
}

/** The access a pipeline function declared, or null for anything else. */
export function declaredAccess(target: unknown): DeclaredAccess | null {
  if (typeof target !== 'function') return null;
  return ((target as unknown as Record<symbol, DeclaredAccess | undefined>)[ACCESS]) ?? null;
}

export function permissionOf(permission: Permission): { permission: Action | null; publicReason: string | null } {
  return typeof permission === 'string' ? { permission, publicReason: null } : { permission: null, publicReason: permission.public };
}
