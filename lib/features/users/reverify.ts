/**
 * A signed-in user proving again who they are (the current password before changing it, a code
 * before turning MFA off or renewing recovery codes) is throttled like sign-in: a stolen session
 * must not become an unthrottled oracle for the password or the second factor. Every attempt, right
 * or wrong, spends one of the user's re-verification budget (10 per 15 minutes); past it the attempt
 * is refused before anything is checked, with the wait.
 */
import { AppError } from '@/lib/server/core/app-error';
import { consume } from '@/lib/server/rate-limit';

export async function throttleReverification(userId: string): Promise<void> {
  const result = await consume('reverifyUser', userId);
  if (!result.ok) {
    const minutes = Math.max(1, Math.ceil(result.retryAfterSeconds / 60));
    throw new AppError('rate_limited', `Too many attempts to confirm it is you. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, {
      headers: { 'Retry-After': String(result.retryAfterSeconds) },
    });
  }
}
