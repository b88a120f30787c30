'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { retryDeliveryAction } from '@/app/(app)/alerts/actions';

export function RetryButton({ id }: { id: string }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="button secondary small"
        disabled={pending}
        onClick={() =>
          start(async () => {
            const res = await retryDeliveryAction(id);
            if (!res.ok) setError(res.error);
            else router.refresh();
          })
        }
      >
        {pending ? 'Retrying…' : 'Retry now'}
      </button>
      {error ? <span className="error-text small"> {error}</span> : null}
    </>
  );
}
