'use server';

import { z } from 'zod';
import { kickDeliveries } from '@/lib/features/alerts/deliver';
import { retryDelivery } from '@/lib/features/alerts/queries';
import { defineAction, issueMessages } from '@/lib/server/pipeline/action';

/** One more attempt of a failed or held-back delivery, now (admins). */
export const retryDeliveryAction = defineAction(
  {
    name: 'alerts.retry_delivery',
    permission: 'settings:notifications',
    input: z.tuple([z.string().min(1).max(40)]),
    invalidMessage: issueMessages.fixed('Unknown delivery.'),
    revalidate: '/alerts',
  },
  async ([id], { user }) => {
    await retryDelivery(id, { id: user.id, email: user.email, role: user.role });
    kickDeliveries();
    return null;
  },
);
