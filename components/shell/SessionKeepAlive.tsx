'use client';

import { usePathname } from 'next/navigation';
import { useEffect, useRef } from 'react';

/** At most one refresh per this many ms; the server moves the token's last-seen time once a minute. */
const MIN_INTERVAL_MS = 2 * 60_000;

/**
 * Keeps an active session alive: on navigation, typing or clicking (at most every 2 minutes) it asks
 * Auth.js for the session, which re-issues the cookie with a fresh last-seen time. A session nobody uses
 * expires after PAIDLINE_SESSION_IDLE_MINUTES. Clicks inside [data-no-keepalive] (the sign-out forms)
 * never refresh, so a refresh cannot race a sign-out and put the cookie back.
 */
export function SessionKeepAlive() {
  const pathname = usePathname();
  const last = useRef(0);

  useEffect(() => {
    const touch = (event?: Event) => {
      const target = event?.target;
      if (target instanceof Element && target.closest('[data-no-keepalive]')) return;
      const now = Date.now();
      if (now - last.current < MIN_INTERVAL_MS) return;
      last.current = now;
      void fetch('/api/auth/session', { credentials: 'same-origin', cache: 'no-store' }).catch(() => undefined);
    };
    touch();
    window.addEventListener('keydown', touch, { passive: true });
    window.addEventListener('pointerdown', touch, { passive: true });
    return () => {
      window.removeEventListener('keydown', touch);
      window.removeEventListener('pointerdown', touch);
    };
  }, [pathname]);

  return null;
}
