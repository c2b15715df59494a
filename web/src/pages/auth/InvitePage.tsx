/** `/invite/:token`: what the invitation offers, then accept signed in, or by creating the account. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { AcceptInvitationBody } from '../../../../common/schemas/accounts.js';
import { api, ApiError } from '../../api/client';
import { keys } from '../../api/keys';
import { Field } from '../../components/Field';
import { AuthFrame, roleLabel } from '../../components/Shell';
import { ErrorNote, Loading } from '../../components/ui';
import { formatFull } from '../../lib/format';
import { apiFieldErrors, validate, type FieldErrors } from '../../lib/forms';
import { rememberOrg, useMe, useSignOut } from '../../session';

export function InvitePage() {
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const me = useMe();
  const signOut = useSignOut();
  const preview = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => api.invitations.preview(token),
    retry: false,
  });
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});

  const accept = useMutation({
    mutationFn: (body: { name?: string; password?: string }) => api.invitations.accept(token, body),
    onSuccess: async (result) => {
      rememberOrg(result.organization.id);
      await queryClient.invalidateQueries({ queryKey: keys.me });
      navigate('/', { replace: true });
    },
    onError: (err) => setErrors(apiFieldErrors(err)),
  });

  if (preview.isPending || me.isPending) {
    return (
      <AuthFrame>
        <Loading label="Opening the invitation…" />
      </AuthFrame>
    );
  }
  if (preview.isError) {
    const gone = preview.error instanceof ApiError && preview.error.status === 404;
    return (
      <AuthFrame>
        <h1>Invitation not found</h1>
        {gone ? (
          <p className="muted">
            This link has expired, was revoked, or was already used. Ask the person who invited you for a new
            link.
          </p>
        ) : (
          <ErrorNote error={preview.error} />
        )}
        <Link className="btn btn-block" to="/login">
          Go to sign in
        </Link>
      </AuthFrame>
    );
  }

  const invitation = preview.data;
  const user = me.data?.user;
  const sameUser = user && user.email.toLowerCase() === invitation.email.toLowerCase();

  return (
    <AuthFrame>
      <p className="eyebrow">Invitation</p>
      <h1>Join {invitation.organizationName}</h1>
      <dl className="invite-facts">
        <div>
          <dt>Invited email</dt>
          <dd>{invitation.email}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>{roleLabel(invitation.role)}</dd>
        </div>
        <div>
          <dt>Expires</dt>
          <dd>{formatFull(invitation.expiresAt)}</dd>
        </div>
      </dl>
      <ErrorNote error={accept.error} />
      {sameUser ? (
        <button
          className="btn btn-primary btn-block"
          disabled={accept.isPending}
          onClick={() => accept.mutate({})}
        >
          {accept.isPending ? 'Joining…' : `Accept and open ${invitation.organizationName}`}
        </button>
      ) : user ? (
        <>
          <p className="muted">
            You are signed in as <strong>{user.email}</strong>, but this invitation is for{' '}
            <strong>{invitation.email}</strong>. Sign out, then open this link again.
          </p>
          <button className="btn btn-block" onClick={() => void signOut()}>
            Sign out
          </button>
        </>
      ) : (
        <form
          className="form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const result = validate(AcceptInvitationBody.unwrap().unwrap().required(), { name, password });
            setErrors(result.ok ? {} : result.errors);
            if (result.ok) accept.mutate(result.data);
          }}
        >
          <p className="muted">Create your account for {invitation.email} to accept.</p>
          <Field label="Your name" error={errors.name}>
            {(p) => (
              <input
                {...p}
                className="input"
                autoComplete="name"
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            )}
          </Field>
          <Field label="Choose a password" hint="At least 10 characters." error={errors.password}>
            {(p) => (
              <input
                {...p}
                className="input"
                type="password"
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <button className="btn btn-primary btn-block" type="submit" disabled={accept.isPending}>
            {accept.isPending ? 'Joining…' : 'Create account and join'}
          </button>
          <p className="auth-switch">
            Already have an account for {invitation.email}?{' '}
            <Link to={`/login?next=${encodeURIComponent(`/invite/${token}`)}`}>Sign in to accept</Link>
          </p>
        </form>
      )}
    </AuthFrame>
  );
}
