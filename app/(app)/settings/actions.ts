'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { PermissionError, requireAction } from '@/lib/auth/guard';
import { generatePassword } from '@/lib/auth/password';
import { createUser, newUserSchema, UserExistsError } from '@/lib/db/users';

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
