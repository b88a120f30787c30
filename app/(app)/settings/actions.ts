'use server';

import { deleteFxRate, parseFxRates, saveFxRates, saveReportingCurrency } from '@/lib/features/romi/fx';
import { z } from 'zod';
import { generatePassword } from '@/lib/features/users/password';
import { roleSchema } from '@/lib/domain/roles';
import { adminResetMfa, adminResetPassword, adminSetDisabled, adminSetRole } from '@/lib/features/users/admin';
import { createUser, newUserSchema } from '@/lib/features/users/create-user';
import { defineAction, defineFormAction, issueMessages, type ActionResult } from '@/lib/server/pipeline/action';
import { InvalidRequestError } from '@/lib/server/core/app-error';

export type CreateUserState = ActionResult<{ email: string; password: string }> | null;

export const createUserAction = defineFormAction(
  {
    name: 'users.create',
    permission: 'users:manage',
    input: newUserSchema.omit({ password: true }),
    form: (formData) => ({ name: String(formData.get('name') ?? ''), email: String(formData.get('email') ?? ''), role: String(formData.get('role') ?? '') }),
    echo: true,
    revalidate: '/settings',
  },
  async (input, { user }) => {
    const password = generatePassword();
    const created = await createUser({ ...input, password }, { actor: user });
    return { email: created.email, password };
  },
);

/** What a row's admin controls show after acting on a user. Every one of these ends the user's sessions. */
export type UserAdminDone = { message: string; password?: string };
export type UserAdminState = ActionResult<UserAdminDone> | null;

const userIdSchema = z.string().trim().min(1, 'Pick a user.').max(64);
const userForm = (formData: FormData) => ({ userId: String(formData.get('userId') ?? '') });
const ADMIN = { permission: 'users:manage', revalidate: '/settings', invalidMessage: issueMessages.fixed('Pick a user.') } as const;

export const resetUserMfaAction = defineFormAction(
  { name: 'users.reset_mfa', ...ADMIN, input: z.object({ userId: userIdSchema }), form: userForm },
  async ({ userId }, { user, meta }): Promise<UserAdminDone> => {
    await adminResetMfa(user, userId, meta);
    return { message: 'Two-factor authentication reset; the user is signed out and sets it up again at the next sign-in.' };
  },
);

export const resetUserPasswordAction = defineFormAction(
  { name: 'users.reset_password', ...ADMIN, input: z.object({ userId: userIdSchema }), form: userForm },
  async ({ userId }, { user, meta }): Promise<UserAdminDone> => {
    const { password } = await adminResetPassword(user, userId, meta);
    return { message: 'New one-time password (shown once; the user is signed out everywhere):', password };
  },
);

export const setUserRoleAction = defineFormAction(
  {
    name: 'users.set_role',
    ...ADMIN,
    input: z.object({ userId: userIdSchema, role: roleSchema }),
    form: (formData) => ({ ...userForm(formData), role: formData.get('role') }),
    // The role is checked first: its message says what is wrong with it.
    invalidMessage: (error) => error.issues.find((i) => i.path[0] === 'role')?.message ?? 'Pick a user.',
  },
  async ({ userId, role }, { user, meta }): Promise<UserAdminDone> => {
    await adminSetRole(user, userId, role, meta);
    return { message: 'Role changed; the user is signed out everywhere.' };
  },
);

export const setUserDisabledAction = defineFormAction(
  {
    name: 'users.set_disabled',
    ...ADMIN,
    input: z.object({ userId: userIdSchema, disabled: z.boolean() }),
    form: (formData) => ({ ...userForm(formData), disabled: formData.get('disabled') === 'true' }),
  },
  async ({ userId, disabled }, { user, meta }): Promise<UserAdminDone> => {
    await adminSetDisabled(user, userId, disabled, meta);
    return { message: disabled ? 'Account disabled; its sessions have ended.' : 'Account enabled again.' };
  },
);

/** Sets or clears the reporting currency (every dashboard converts with the monthly rates from then on). */
export const saveReportingCurrencyAction = defineAction(
  { name: 'settings.reporting_currency', permission: 'settings:notifications', input: z.tuple([z.string().max(3)]), revalidate: '/settings' },
  async ([currency], { user }) => {
    await saveReportingCurrency(currency || null, user);
    return { currency: currency ? currency.toUpperCase() : null };
  },
);

/** Adds or replaces monthly rates from pasted or uploaded lines (month,currency,rate); every bad line is named, nothing saved then. */
export const saveFxRatesAction = defineAction(
  { name: 'settings.fx_rates', permission: 'settings:notifications', input: z.tuple([z.string().max(500_000, 'At most 500 kB of rates at once.')]), revalidate: '/settings' },
  async ([text], { user }) => {
    const { rates, errors } = parseFxRates(text);
    if (errors.length) throw new InvalidRequestError(`Nothing was saved. ${errors.slice(0, 5).join(' ')}${errors.length > 5 ? ` (and ${errors.length - 5} more lines)` : ''}`);
    if (!rates.length) throw new InvalidRequestError('No rates found: write one per line as month,currency,rate, such as 2025-01,EUR,1.0832.');
    return { changed: await saveFxRates(rates, user), read: rates.length };
  },
);

/** Removes one monthly rate. */
export const deleteFxRateAction = defineAction(
  { name: 'settings.fx_rate_delete', permission: 'settings:notifications', input: z.tuple([z.string(), z.string()]), revalidate: '/settings' },
  async ([month, currency], { user }) => {
    await deleteFxRate(month, currency, user);
    return null;
  },
);
