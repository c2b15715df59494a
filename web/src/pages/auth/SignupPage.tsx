import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { SignupBody } from '../../../../common/schemas/accounts.js';
import { api } from '../../api/client';
import { keys } from '../../api/keys';
import { Field } from '../../components/Field';
import { AuthFrame } from '../../components/Shell';
import { ErrorNote } from '../../components/ui';
import { apiFieldErrors, validate, type FieldErrors } from '../../lib/forms';
import { rememberOrg } from '../../session';

export function SignupPage() {
  const [params] = useSearchParams();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ name: '', email: '', password: '', organizationName: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const set = (field: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => {
    setForm((f) => ({ ...f, [field]: e.target.value }));
    setErrors(({ [field]: _, ...rest }) => rest);
  };

  const signup = useMutation({
    mutationFn: api.auth.signup,
    // Signed in, the guest-only route sends the user on to `?next=`.
    onSuccess: (result) => {
      rememberOrg(result.organization.id);
      return queryClient.invalidateQueries({ queryKey: keys.me });
    },
    onError: (err) => setErrors(apiFieldErrors(err)),
  });

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const result = validate(SignupBody, form);
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) signup.mutate(result.data);
  }

  return (
    <AuthFrame>
      <h1>Create your account</h1>
      <p className="muted">Start placing AI voice-agent calls in minutes. Your organization comes with it.</p>
      <form className="form" onSubmit={submit} noValidate>
        <ErrorNote error={signup.error} />
        <Field label="Your name" error={errors.name}>
          {(p) => (
            <input
              {...p}
              className="input"
              autoComplete="name"
              value={form.name}
              onChange={set('name')}
              autoFocus
            />
          )}
        </Field>
        <Field label="Work email" error={errors.email}>
          {(p) => (
            <input
              {...p}
              className="input"
              type="email"
              autoComplete="email"
              value={form.email}
              onChange={set('email')}
            />
          )}
        </Field>
        <Field label="Password" hint="At least 10 characters." error={errors.password}>
          {(p) => (
            <input
              {...p}
              className="input"
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={set('password')}
            />
          )}
        </Field>
        <Field
          label="Organization name"
          hint="Your team or company; you can invite others later."
          error={errors.organizationName}
        >
          {(p) => (
            <input
              {...p}
              className="input"
              autoComplete="organization"
              value={form.organizationName}
              onChange={set('organizationName')}
            />
          )}
        </Field>
        <button className="btn btn-primary btn-block" type="submit" disabled={signup.isPending}>
          {signup.isPending ? 'Creating account…' : 'Create account'}
        </button>
      </form>
      <p className="auth-switch">
        Already have an account?{' '}
        <Link to={`/login${params.get('next') ? `?next=${encodeURIComponent(params.get('next')!)}` : ''}`}>
          Sign in
        </Link>
      </p>
    </AuthFrame>
  );
}
