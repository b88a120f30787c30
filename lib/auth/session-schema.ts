import { z } from 'zod';
import { roleSchema } from '../domain/roles';

/** What the JWT session carries, validated on every read so a tampered or stale token never grants a role. */
export const sessionUserSchema = z.object({
  id: z.string().min(1),
  email: z.string().email(),
  name: z.string(),
  role: roleSchema,
});
export type SessionUser = z.infer<typeof sessionUserSchema>;
