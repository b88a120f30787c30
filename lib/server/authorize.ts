/**
 * The permission check operations make themselves, whatever the page showed: the same matrix
 * (lib/domain/permissions.ts) the pipelines ask before an action or a route runs.
 */
import type { Actor } from '@/lib/domain/actor';
import { can, type Action } from '@/lib/domain/permissions';
import { ForbiddenError } from './core/app-error';

export function assertCan(actor: Actor | null | undefined, action: Action): Actor {
  if (!actor) throw new ForbiddenError('Sign in to do this.');
  if (!can(actor.role, action)) throw new ForbiddenError(`Your role (${actor.role}) does not allow ${action}.`);
  return actor;
}
