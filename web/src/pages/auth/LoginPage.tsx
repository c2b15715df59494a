import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { LoginBody } from '../../../../common/schemas/accounts.js';
import { api } from '../../api/client';
import { keys } from '../../api/keys';
import { Field } from '../../components/Field';
import { AuthFrame } from '../../components/Shell';
import { ErrorNote } from '../../components/ui';
import { validate, type FieldErrors } from '../../lib/forms';

/** Where to go after signing in: a path inside the app only. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const [params] = useSearchParams();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const next = safeNext(params.get('next'));

  // Signed in, the guest-only route sends the user on to `next`.
  const login = useMutation({
    mutationFn: api.auth.login,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.me }),
  });

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const result = validate(LoginBody, { email, password });
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) login.mutate(result.data);
  }

  return (
    <AuthFrame>
      <h1>Sign in</h1>
      <p className="muted">Welcome back. Sign in to follow your calls live.</p>
      <form className="form" onSubmit={submit} noValidate>
        <ErrorNote error={login.error} />
        <Field label="Email" error={errors.email}>
          {(p) => (
            <input
              {...p}
              className="input"
              type="email"
              autoComplete="email"
              value={email}
              onChange={(e) => {
                setEmail(e.target.value);
                setErrors(({ email: _, ...rest }) => rest);
              }}
              autoFocus
            />
          )}
        </Field>
        <Field label="Password" error={errors.password}>
          {(p) => (
            <input
              {...p}
              className="input"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => {
                setPassword(e.target.value);
                setErrors(({ password: _, ...rest }) => rest);
              }}
            />
          )}
        </Field>
        <button className="btn btn-primary btn-block" type="submit" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="auth-switch">
        New to Automitra?{' '}
        <Link to={`/signup${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`}>
          Create an account
        </Link>
      </p>
    </AuthFrame>
  );
}
