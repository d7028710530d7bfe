// The frame of every public page: header, main, footer, and the site's stylesheet. Pages are plain HTML
// rendered on the server: no script anywhere, so everything works with JavaScript off.
import type { ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { color, font } from '../../../emails/_components/theme.js';
import { SITE_CSS } from './styles.js';

export const NEWSLETTER = 'Weekly AI Tool Verdicts';

/** What every page needs to know about the site. */
export interface Site {
  publicUrl: string;
  mailingAddress: string;
}

export interface LayoutProps {
  site: Site;
  title: string;
  description?: string;
  /** Pages reached through a reader's personal link are kept out of search engines. */
  noindex?: boolean;
  /** The wide grid of the home page; every other page is one readable column. */
  wide?: boolean;
  /** More of <head>: feed links, Open Graph and Twitter card meta (the archive). */
  head?: ReactNode;
  children: ReactNode;
}

export function Layout({ site, title, description, noindex, wide, head, children }: LayoutProps) {
  const fullTitle = title === NEWSLETTER ? title : `${title} · ${NEWSLETTER}`;
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{fullTitle}</title>
        {description && <meta name="description" content={description} />}
        {noindex && <meta name="robots" content="noindex, nofollow" />}
        <meta name="theme-color" content={color.headerBg} />
        {head}
        <style dangerouslySetInnerHTML={{ __html: SITE_CSS(font) }} />
      </head>
      <body>
        <a className="skip" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <div className="bar">
            <a className="brand" href="/">
              <span className="mark" aria-hidden="true">
                ✓✗
              </span>
              {NEWSLETTER}
            </a>
            <nav aria-label="Site">
              <a href="/issues">Archive</a>
              <a href="/#subscribe">Subscribe</a>
            </nav>
          </div>
        </header>
        <main id="main" className={wide ? 'wrap wide' : 'wrap'}>
          {children}
        </main>
        <footer className="site-footer">
          <div className="bar">
            <p>
              {`${NEWSLETTER}: two comparable AI tools, side by side, once a week. `}
              <a href="/issues">Read past issues</a>.
            </p>
            <p>Every email has a one-click unsubscribe link. We keep your address, your name if you give one, and your votes; nothing is sold or shared.</p>
            <address>{site.mailingAddress}</address>
          </div>
        </footer>
      </body>
    </html>
  );
}

/** A complete HTML document. */
export function renderPage(element: ReactNode): string {
  return '<!DOCTYPE html>' + renderToStaticMarkup(element);
}

/** "m•••@example.com": enough for a reader to recognise their address, not enough to read it off a shared screen. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}
