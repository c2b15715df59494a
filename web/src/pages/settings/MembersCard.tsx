/** Members and their roles; admins change roles and remove people, anyone may leave. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ROLES, type Role } from '../../../../common/roles.js';
import { api, type MemberRow } from '../../api/client';
import { keys } from '../../api/keys';
import { ConfirmDialog } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { roleLabel } from '../../components/Shell';
import { useToast } from '../../components/Toasts';
import { Card, ErrorNote, Loading } from '../../components/ui';
import { formatFull, formatWhen } from '../../lib/format';
import { useOrg } from '../../session';

export const ROLE_HINT: Record<Role, string> = {
  viewer: 'Sees calls, agents and numbers',
  member: 'Also starts calls and edits agents',
  admin: 'Also manages members, keys and the webhook',
  owner: 'Everything, including other owners',
};

export function MembersCard() {
  const { org, me, can } = useOrg();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [removing, setRemoving] = useState<MemberRow | null>(null);
  const members = useQuery({
    queryKey: keys.members(org.id),
    queryFn: async () => (await api.members.list(org.id)).data,
  });
  const setRole = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      api.members.setRole(org.id, userId, role),
    onSuccess: (member) => {
      queryClient.setQueryData<MemberRow[]>(keys.members(org.id), (list) =>
        list?.map((m) => (m.userId === member.userId ? member : m)),
      );
      toast(`${member.name} is now ${roleLabel(member.role).toLowerCase()}`);
      if (member.userId === me.user.id) void queryClient.invalidateQueries({ queryKey: keys.me });
    },
  });
  const assignable = ROLES.filter((r) => r !== 'owner' || org.role === 'owner');

  return (
    <Card title="Members" id="members">
      <ErrorNote error={setRole.error} />
      {members.isPending ? (
        <Loading />
      ) : members.isError ? (
        <ErrorNote error={members.error} />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.data.map((m) => {
                const self = m.userId === me.user.id;
                const manageable = can('admin') && !self && (m.role !== 'owner' || org.role === 'owner');
                return (
                  <tr key={m.userId}>
                    <td data-label="Name">
                      <div className="strong">
                        {m.name}
                        {self && <span className="muted"> (you)</span>}
                      </div>
                      <div className="sub">{m.email}</div>
                    </td>
                    <td data-label="Role">
                      {manageable ? (
                        <select
                          className="input input-sm"
                          aria-label={`Role of ${m.name}`}
                          value={m.role}
                          disabled={setRole.isPending}
                          onChange={(e) => setRole.mutate({ userId: m.userId, role: e.target.value as Role })}
                        >
                          {assignable.map((r) => (
                            <option key={r} value={r}>
                              {roleLabel(r)}
                            </option>
                          ))}
                        </select>
                      ) : (
                        <span title={ROLE_HINT[m.role]}>{roleLabel(m.role)}</span>
                      )}
                    </td>
                    <td data-label="Joined" className="muted nowrap">
                      <time dateTime={m.joinedAt} title={formatFull(m.joinedAt)}>
                        {formatWhen(m.joinedAt)}
                      </time>
                    </td>
                    <td className="actions">
                      {(manageable || self) && (
                        <button className="btn btn-sm btn-ghost" onClick={() => setRemoving(m)}>
                          {self ? 'Leave' : 'Remove'}
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
      <p className="card-foot muted small">
        <Icon name="shield" />{' '}
        {ROLES.slice()
          .reverse()
          .map((r) => `${roleLabel(r)}: ${ROLE_HINT[r].toLowerCase()}`)
          .join('. ')}
        .
      </p>
      {removing && (
        <RemoveDialog
          member={removing}
          self={removing.userId === me.user.id}
          onClose={() => setRemoving(null)}
        />
      )}
    </Card>
  );
}

function RemoveDialog({ member, self, onClose }: { member: MemberRow; self: boolean; onClose: () => void }) {
  const { org } = useOrg();
  const queryClient = useQueryClient();
  const toast = useToast();
  const remove = useMutation({
    mutationFn: () => api.members.remove(org.id, member.userId),
    onSuccess: async () => {
      if (self) {
        await queryClient.invalidateQueries({ queryKey: keys.me });
      } else {
        queryClient.setQueryData<MemberRow[]>(keys.members(org.id), (list) =>
          list?.filter((m) => m.userId !== member.userId),
        );
        toast(`${member.name} removed`);
      }
      onClose();
    },
  });
  return (
    <ConfirmDialog
      title={self ? `Leave ${org.name}?` : `Remove ${member.name}?`}
      confirmLabel={self ? 'Leave organization' : 'Remove member'}
      onConfirm={() => remove.mutate()}
      onClose={onClose}
      pending={remove.isPending}
      error={<ErrorNote error={remove.error} />}
    >
      {self
        ? 'You lose access to its calls and agents at once. An admin can invite you again.'
        : `${member.name} loses access at once; open pages of theirs stop updating.`}
    </ConfirmDialog>
  );
}
