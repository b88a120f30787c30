'use server';

import { signOut } from '@/lib/auth/auth';
import { defineSubmitAction } from '@/lib/server/pipeline/action';

export const signOutAction = defineSubmitAction(
  { name: 'auth.sign_out', permission: { public: "Ending one's own session needs no permission." } },
  async () => {
    await signOut({ redirectTo: '/login' });
  },
);
