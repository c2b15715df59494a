/** Organization settings: people, invitations, API keys, the webhook and its allow-list. */
import { Icon, type IconName } from '../../components/Icon';
import { Note, PageHeader } from '../../components/ui';
import { useOrg } from '../../session';
import { ApiKeysCard } from './ApiKeysCard';
import { InvitationsCard } from './InvitationsCard';
import { MembersCard } from './MembersCard';
import { AllowListCard, WebhookCard } from './WebhookCard';

const SECTIONS: { id: string; label: string; icon: IconName; admin?: boolean }[] = [
  { id: 'members', label: 'Members', icon: 'users' },
  { id: 'invitations', label: 'Invitations', icon: 'mail', admin: true },
  { id: 'api-keys', label: 'API keys', icon: 'key', admin: true },
  { id: 'webhook', label: 'Bolna webhook', icon: 'webhook', admin: true },
  { id: 'allow-list', label: 'IP allow-list', icon: 'shield' },
];

export function SettingsPage() {
  const { org, can } = useOrg();
  const admin = can('admin');
  return (
    <div className="page">
      <PageHeader title="Settings" description={`${org.name} · people, keys and how Bolna reaches you.`} />
      <div className="settings">
        <nav className="settings-nav" aria-label="Settings sections">
          {SECTIONS.filter((s) => admin || !s.admin).map((s) => (
            <a key={s.id} href={`#${s.id}`}>
              <Icon name={s.icon} />
              {s.label}
            </a>
          ))}
        </nav>
        <div className="settings-body">
          {!admin && (
            <Note>
              You are a {org.role} here. Invitations, API keys and the webhook are managed by admins; ask one
              if you need access.
            </Note>
          )}
          <MembersCard />
          {admin && <InvitationsCard />}
          {admin && <ApiKeysCard />}
          {admin && <WebhookCard />}
          <AllowListCard />
        </div>
      </div>
    </div>
  );
}
