import { z } from 'zod';

/** The four roles of Paidline. The order is the order shown in the UI. */
export const ROLES = ['admin', 'executive', 'analyst', 'reviewer'] as const;
export type Role = (typeof ROLES)[number];

export const roleSchema = z.enum(ROLES, {
  error: () => `Role must be one of: ${ROLES.join(', ')}`,
});

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Admin',
  executive: 'Executive',
  analyst: 'Analyst',
  reviewer: 'Finance reviewer',
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
