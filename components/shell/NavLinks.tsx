'use client';

import { Link } from '@/components/ui/Link';
import { usePathname } from 'next/navigation';

export type NavLink = { href: string; label: string; description: string };

export function NavLinks({ items }: { items: NavLink[] }) {
  const pathname = usePathname();
  return (
    <nav className="nav" aria-label="Main">
      {items.map((item) => {
        const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
        return (
          <Link key={item.href} href={item.href} className="nav-link" aria-current={active ? 'page' : undefined}>
            <span className="nav-label">{item.label}</span>
            <span className="nav-hint">{item.description}</span>
          </Link>
        );
      })}
    </nav>
  );
}
