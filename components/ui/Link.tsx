'use client';

import NextLink from 'next/link';
import { useRouter } from 'next/navigation';
import type { ComponentProps, FocusEvent, MouseEvent, TouchEvent } from 'react';

type Props = ComponentProps<typeof NextLink>;

/**
 * The app's link: next/link's client-side navigation, prefetching only on intent (hover, focus, touch).
 *
 * next/link prefetches every link that scrolls into view. Paidline's pages are dynamic and per user, so
 * each prefetch runs the proxy, the session check and the layout on the server, and spends the user's page
 * budget: one executive opening the dashboard (about 70 drill-down and filter links) sent 75 requests
 * before clicking anything. Here a page view costs one request per link the reader reaches for.
 * `prefetch={false}` turns the intent prefetch off too; an explicit `prefetch` of true or "auto" is
 * next/link's own behaviour. Use this instead of next/link (a lint rule says so).
 */
export function Link({ prefetch, onMouseEnter, onFocus, onTouchStart, href, ...props }: Props) {
  const router = useRouter();
  const url = typeof href === 'string' ? href : null;
  const onIntent = prefetch === undefined && url !== null && url.startsWith('/') && !url.startsWith('//');
  const warm = () => {
    if (onIntent) router.prefetch(url);
  };
  return (
    <NextLink
      {...props}
      href={href}
      prefetch={prefetch ?? false}
      onMouseEnter={(e: MouseEvent<HTMLAnchorElement>) => {
        warm();
        onMouseEnter?.(e);
      }}
      onFocus={(e: FocusEvent<HTMLAnchorElement>) => {
        warm();
        onFocus?.(e);
      }}
      onTouchStart={(e: TouchEvent<HTMLAnchorElement>) => {
        warm();
        onTouchStart?.(e);
      }}
    />
  );
}
