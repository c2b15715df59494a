/** Small building blocks shared by every page: badges, notes, empty states, page headers, spinners. */
import type { ReactNode } from 'react';
import type { CallStatus } from '../api/client';
import { STATUS_HINT, STATUS_LABEL, STATUS_TONE, type Tone } from '../lib/status';
import { errorMessage } from '../api/client';
import { Icon, type IconName } from './Icon';

export function Badge({
  tone = 'neutral',
  children,
  title,
}: {
  tone?: Tone;
  children: ReactNode;
  title?: string;
}) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

/** A call status: colour and words, and a pulsing dot while the call is live. */
export function StatusBadge({ status }: { status: CallStatus }) {
  const tone = STATUS_TONE[status];
  return (
    <span className={`badge badge-${tone}`} data-status={status} title={STATUS_HINT[status]}>
      <span
        className={`dot${tone === 'live' || status === 'ringing' ? ' dot-pulse' : ''}`}
        aria-hidden="true"
      />
      {STATUS_LABEL[status]}
    </span>
  );
}

export function PageHeader({
  title,
  description,
  actions,
  back,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  back?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div className="page-header-text">
        {back}
        <h1>{title}</h1>
        {description && <p className="muted">{description}</p>}
      </div>
      {actions && <div className="page-header-actions">{actions}</div>}
    </header>
  );
}

/** An error in words, from the API's `{error, message}` body or anything thrown. */
export function ErrorNote({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <div className="note note-danger" role="alert">
      <Icon name="alert" />
      <div>
        {title && <strong>{title}</strong>}
        <p>{errorMessage(error)}</p>
      </div>
    </div>
  );
}

export function Note({
  tone = 'info',
  children,
}: {
  tone?: 'info' | 'warning' | 'danger';
  children: ReactNode;
}) {
  return (
    <div className={`note note-${tone}`}>
      <Icon name={tone === 'info' ? 'shield' : 'alert'} />
      <div>{children}</div>
    </div>
  );
}

export function EmptyState({
  icon,
  title,
  children,
  action,
}: {
  icon: IconName;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="empty">
      <div className="empty-icon">
        <Icon name={icon} size={22} />
      </div>
      <h3>{title}</h3>
      {children && <p className="muted">{children}</p>}
      {action && <div className="empty-action">{action}</div>}
    </div>
  );
}

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return (
    <span className="spinner" role="status">
      <span className="visually-hidden">{label}</span>
    </span>
  );
}

/** A block shown while a page's first data loads. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading">
      <Spinner label={label} />
      <span className="muted">{label}</span>
    </div>
  );
}

export function Card({
  title,
  actions,
  children,
  className,
  id,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  id?: string;
}) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section className={`card ${className ?? ''}`} id={id} aria-labelledby={headingId}>
      {(title || actions) && (
        <div className="card-header">
          {title && <h2 id={headingId}>{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}
