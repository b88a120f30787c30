import { z } from 'zod';
import { AppError } from '@/lib/server/core/app-error';
import { roleSchema } from '@/lib/domain/roles';
import { hashPassword, passwordProblem } from '@/lib/features/users/password';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { type PublicUser } from './queries';
import { writeAudit } from '@/lib/server/db/audit';

export const newUserSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: 'Enter a valid e-mail address, such as ana@example.com.' })),
  name: z.string().trim().min(1, 'Enter a name.').max(120, 'Names are at most 120 characters.'),
  role: roleSchema,
  password: z.string().superRefine((value, ctx) => {
    const problem = passwordProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
});
export type NewUser = z.input<typeof newUserSchema>;

/** 409: the e-mail is taken (the form highlights the e-mail field). */
export function userExistsError(email: string): AppError {
  const message = `A user with the e-mail ${email} already exists.`;
  return new AppError('conflict', message, { fields: { email: message } });
}

/** Creates a user with an argon2id hash; the user row and its audit row commit together. */
export async function createUser(
  input: NewUser,
  opts: { actor?: { id: string; email: string } | null; db?: Client } = {},
): Promise<PublicUser> {
  const data = newUserSchema.parse(input);
  const db = opts.db ?? getPrisma();
  const passwordHash = await hashPassword(data.password);
  return db.$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { email: data.email }, select: { id: true } });
    if (existing) throw userExistsError(data.email);
    const user = await tx.user.create({
      data: { email: data.email, name: data.name, role: data.role, passwordHash },
      select: { id: true, email: true, name: true, role: true },
    });
    await writeAudit(tx, {
      actor: opts.actor ?? null,
      action: 'user.create',
      entityType: 'User',
      entityId: user.id,
      after: { email: user.email, name: user.name, role: user.role },
    });
    return { ...user, role: roleSchema.parse(user.role) };
  });
}
