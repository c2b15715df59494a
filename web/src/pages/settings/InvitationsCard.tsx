/** Invitations by one-time link: create (the link is shown once), list, revoke. Admins only. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CreateInvitationBody } from '../../../../common/schemas/accounts.js';
import { ROLES, type Role } from '../../../../common/roles.js';
import { api, type InvitationRow, type NewInvitation } from '../../api/client';
import { keys } from '../../api/keys';
import { CopyField } from '../../components/CopyButton';
import { Field } from '../../components/Field';
import { roleLabel } from '../../components/Shell';
import { useToast } from '../../components/Toasts';
import { Badge, Card, ErrorNote, Loading } from '../../components/ui';
import { formatFull, formatWhen } from '../../lib/format';
import { apiFieldErrors, validate, type FieldErrors } from '../../lib/forms';
import { useOrg } from '../../session';
import { ROLE_HINT } from './MembersCard';

/** The invitation link on this app's own origin (the API builds it from PUBLIC_URL). */
function linkHere(url: string): string {
  const token = url.split('/invite/')[1];
  return token ? `${window.location.origin}/invite/${token}` : url;
}

function invitationState(i: InvitationRow): { label: string; tone: 'success' | 'info' | 'muted' } {
  if (i.acceptedAt) return { label: 'Accepted', tone: 'success' };
  if (Date.parse(i.expiresAt) < Date.now()) return { label: 'Expired', tone: 'muted' };
  return { label: 'Pending', tone: 'info' };
}

export function InvitationsCard() {
  const { org } = useOrg();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<(NewInvitation & { email: string }) | null>(null);
  const invitations = useQuery({
    queryKey: keys.invitations(org.id),
    queryFn: async () => (await api.invitations.list(org.id)).data,
  });
  const create = useMutation({
    mutationFn: (body: { email: string; role: Role }) => api.invitations.create(org.id, body),
    onSuccess: (result, body) => {
      setCreated({ ...result, email: body.email });
      setEmail('');
      void queryClient.invalidateQueries({ queryKey: keys.invitations(org.id) });
    },
    onError: (err) => setErrors(apiFieldErrors(err)),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.invitations.revoke(org.id, id),
    onSuccess: (_, id) => {
      queryClient.setQueryData<InvitationRow[]>(keys.invitations(org.id), (list) =>
        list?.filter((i) => i.id !== id),
      );
      toast('Invitation revoked: the link no longer works');
    },
  });

  return (
    <Card title="Invitations" id="invitations">
      <form
        className="inline-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const result = validate(CreateInvitationBody, { email, role });
          setErrors(result.ok ? {} : result.errors);
          if (result.ok) create.mutate(result.data);
        }}
      >
        <Field label="Email" error={errors.email}>
          {(p) => (
            <input
              {...p}
              className="input"
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              placeholder="teammate@company.com"
            />
          )}
        </Field>
        <Field label="Role" hint={ROLE_HINT[role]}>
          {(p) => (
            <select {...p} className="input" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.filter((r) => r !== 'owner' || org.role === 'owner').map((r) => (
                <option key={r} value={r}>
                  {roleLabel(r)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create invitation link'}
        </button>
      </form>
      <ErrorNote error={create.error} />
      {created && (
        <div className="secret-box" role="status">
          <p>
            <strong>Send this link to {created.email}.</strong> It works once, until{' '}
            {formatFull(created.expiresAt)}, and is not shown again.
          </p>
          <CopyField id="invitation-link" label="Invitation link" value={linkHere(created.url)} />
        </div>
      )}
      <ErrorNote error={revoke.error} />
      {invitations.isPending ? (
        <Loading />
      ) : invitations.isError ? (
        <ErrorNote error={invitations.error} />
      ) : invitations.data.length === 0 ? (
        <p className="muted pad">
          No invitations yet. Invite a teammate by email above; they get a link to join.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invitations.data.map((i) => {
                const state = invitationState(i);
                return (
                  <tr key={i.id}>
                    <td data-label="Email">{i.email}</td>
                    <td data-label="Role">{roleLabel(i.role)}</td>
                    <td data-label="State">
                      <Badge tone={state.tone}>{state.label}</Badge>
                    </td>
                    <td data-label="Expires" className="muted nowrap">
                      {formatWhen(i.expiresAt)}
                    </td>
                    <td className="actions">
                      {state.label === 'Pending' && (
                        <button
                          className="btn btn-sm btn-ghost"
                          onClick={() => revoke.mutate(i.id)}
                          disabled={revoke.isPending}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
