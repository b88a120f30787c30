'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { PermissionError, requireAction } from '@/lib/auth/guard';
import { generatePassword } from '@/lib/auth/password';
import { createUser, newUserSchema, UserExistsError } from '@/lib/db/users';

export type CreateUserState =
  | { status: 'idle' }
  | { status: 'error'; message: string; fields?: Record<string, string> }
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
  const parsed = formSchema.safeParse({
    email: formData.get('email'),
    name: formData.get('name'),
    role: formData.get('role'),
  });
  if (!parsed.success) {
    const fields = Object.fromEntries(
      Object.entries(z.flattenError(parsed.error).fieldErrors).map(([k, v]) => [k, v?.[0] ?? 'Invalid value']),
    );
    return { status: 'error', message: 'Check the highlighted fields.', fields };
  }
  const password = generatePassword();
  try {
    const user = await createUser({ ...parsed.data, password }, { actor });
    revalidatePath('/settings');
    return { status: 'created', email: user.email, password };
  } catch (error) {
    if (error instanceof UserExistsError) return { status: 'error', message: error.message, fields: { email: error.message } };
    throw error;
  }
}
