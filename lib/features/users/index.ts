/** Users: accounts, sign-in checks and lockout, the MFA lifecycle, self-service and admin changes. */
export * from './create-user';
export * from './queries';
export * from './sign-in';
export * from './mfa';
export * from './account';
export * from './admin';
