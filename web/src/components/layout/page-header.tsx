import type { ReactNode } from 'react';

interface PageHeaderProps {
  title: string;
  description?: ReactNode;
  /** Shown next to the title, e.g. an "In development" badge. */
  badge?: ReactNode;
}

/** The page's <h1>; also sets the document title (React hoists <title> into <head>). */
export function PageHeader({ title, description, badge }: PageHeaderProps) {
  return (
    <header className="page-header">
      <title>{`${title} · Isengard`}</title>
      <h1 className="page-title">
        {title}
        {badge && <> {badge}</>}
      </h1>
      {description && <p className="page-description">{description}</p>}
    </header>
  );
}
