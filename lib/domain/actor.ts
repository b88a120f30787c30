import type { Role } from './roles';

/** Who acts: a signed-in user with a role. Operations check the permission matrix themselves (lib/server/authorize.ts). */
export type Actor = { id: string; email: string; role: Role };
