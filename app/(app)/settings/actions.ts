'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { PermissionError, requireAction } from '@/lib/auth/guard';
import { headers } from 'next/headers';
import { generatePassword } from '@/lib/features/users/password';
import { requestMeta } from '@/lib/server/http/request-meta';
import { roleSchema } from '@/lib/domain/roles';
import { AccountError } from '@/lib/features/users/account';
import { adminResetMfa, adminResetPassword, adminSetDisabled, adminSetRole } from '@/lib/features/users/admin';
import { createUser, newUserSchema, UserExistsError } from '@/lib/features/users/create-user';

export type CreateUserState =
  | { status: 'idle' }
  | { status: 'error'; message: string; fields?: Record<string, string>; values?: { name: string; email: string; role: string } }
  | { status: 'created'; email: string; password: string };

const formSchema = newUserSchema.omit({ password: true });

export async function createUserAction(_prev: CreateUserState, formData: FormData): Promise<CreateUserState> {
  let actor;
  try {
    actor = await requireAction('users:manage');
  } catch (error) {
    if (error instanceof PermissionError) return { status: 'error', message: error.message };
    throw error;
  }
  const values = { name: String(formData.get('name') ?? ''), email: String(formData.get('email') ?? ''), role: String(formData.get('role') ?? '') };
  const parsed = formSchema.safeParse(values);
  if (!parsed.success) {
    const fields = Object.fromEntries(
      Object.entries(z.flattenError(parsed.error).fieldErrors).map(([k, v]) => [k, v?.[0] ?? 'Invalid value']),
    );
    return { status: 'error', message: 'Check the highlighted fields.', fields, values };
  }
  const password = generatePassword();
  try {
    const user = await createUser({ ...parsed.data, password }, { actor });
    revalidatePath('/settings');
    return { status: 'created', email: user.email, password };
  } catch (error) {
    if (error instanceof UserExistsError) return { status: 'error', message: error.message, fields: { email: error.message }, values };
    throw error;
  }
}

/** What a row's admin controls show after acting on a user. Every one of these ends the user's sessions. */
export type UserAdminState =
  | { status: 'idle' }
  | { status: 'error'; message: string }
  | { status: 'done'; message: string; password?: string };

const userIdSchema = z.string().trim().min(1, 'Pick a user.').max(64);

async function adminRun(formData: FormData, work: (targetId: string, meta: { ip: string | null; userAgent: string | null }) => Promise<UserAdminState>): Promise<UserAdminState> {
  const target = userIdSchema.safeParse(formData.get('userId') ?? '');
  if (!target.success) return { status: 'error', message: 'Pick a user.' };
  try {
    const state = await work(target.data, requestMeta(await headers()));
    revalidatePath('/settings');
    return state;
  } catch (error) {
    if (error instanceof AccountError) return { status: 'error', message: error.message };
    throw error;
  }
}

function permissionState(error: unknown): UserAdminState {
  if (error instanceof PermissionError) return { status: 'error', message: error.message };
  throw error;
}

export async function resetUserMfaAction(_prev: UserAdminState, formData: FormData): Promise<UserAdminState> {
  let actor;
  try {
    actor = await requireAction('users:manage');
  } catch (error) {
    return permissionState(error);
  }
  return adminRun(formData, async (id, meta) => {
    await adminResetMfa(actor, id, meta);
    return { status: 'done', message: 'Two-factor authentication reset; the user is signed out and sets it up again at the next sign-in.' };
  });
}

export async function resetUserPasswordAction(_prev: UserAdminState, formData: FormData): Promise<UserAdminState> {
  let actor;
  try {
    actor = await requireAction('users:manage');
  } catch (error) {
    return permissionState(error);
  }
  return adminRun(formData, async (id, meta) => {
    const { password } = await adminResetPassword(actor, id, meta);
    return { status: 'done', message: 'New one-time password (shown once; the user is signed out everywhere):', password };
  });
}

export async function setUserRoleAction(_prev: UserAdminState, formData: FormData): Promise<UserAdminState> {
  let actor;
  try {
    actor = await requireAction('users:manage');
  } catch (error) {
    return permissionState(error);
  }
  const role = roleSchema.safeParse(formData.get('role'));
  if (!role.success) return { status: 'error', message: role.error.issues[0]?.message ?? 'Pick a role.' };
  return adminRun(formData, async (id, meta) => {
    await adminSetRole(actor, id, role.data, meta);
    return { status: 'done', message: 'Role changed; the user is signed out everywhere.' };
  });
}

export async function setUserDisabledAction(_prev: UserAdminState, formData: FormData): Promise<UserAdminState> {
  let actor;
  try {
    actor = await requireAction('users:manage');
  } catch (error) {
    return permissionState(error);
  }
  const disabled = formData.get('disabled') === 'true';
  return adminRun(formData, async (id, meta) => {
    await adminSetDisabled(actor, id, disabled, meta);
    return { status: 'done', message: disabled ? 'Account disabled; its sessions have ended.' : 'Account enabled again.' };
  });
}
