import { redirect } from 'next/navigation';
import { currentUser } from '@/lib/auth/guard';
import { homeFor } from '@/lib/auth/navigation';

export default async function Home() {
  const user = await currentUser();
  redirect(user ? homeFor(user.role) : '/login');
}
