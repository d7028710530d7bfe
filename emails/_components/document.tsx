// The document both emails share: <head> (one <title>: the subject), the hidden preheader, the page
// background and the 600 px column. Plain <body> and one centred table instead of react-email's <Body>
// and <Container>, which add two more layout tables around ours (each a `role` Outlook's Windows Mail
// does not support, and nothing our table does not already do).
import type { ReactNode } from 'react';
import { Head, Html, Preview } from 'react-email';
import { Table, bgcolor } from './layout.js';
import { cls, color, css, st } from './theme.js';

// Inbox previews show about this many characters; react-email cuts the preheader there.
const PREVIEW_CHARS = 200;

/**
 * The preheader filled up to the preview's length with non-breaking spaces and zero-width non-joiners, so
 * that no client pulls the masthead's text into the inbox preview. react-email pads with five characters
 * per step, four of them beyond Latin-1 (a 7-byte reference each in our HTML, ~4 KB per email); two do the
 * same job in a fifth of the bytes. A preheader of full length gets no padding from react-email.
 */
function padded(preheader: string): string {
  const room = Math.max(0, PREVIEW_CHARS - preheader.length);
  return preheader + '\u00a0\u200c'.repeat(Math.ceil(room / 2)).slice(0, room);
}

export function EmailDocument(p: { subject: string; preheader: string; children: ReactNode }) {
  return (
    <Html lang="en" dir="ltr">
      <Head>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <title>{p.subject}</title>
        <style dangerouslySetInnerHTML={{ __html: css }} />
      </Head>
      <body className={cls.page} style={st.body} {...bgcolor(color.page)}>
        {/* The preheader only: by default react-email also writes it into a <title>, which React 19 hoists
            into <head> beside the subject's, and a document with two titles shows either. */}
        <Preview useTitleTag={false} style={st.preheader}>
          {padded(p.preheader)}
        </Preview>
        <Table className={cls.page} bgcolor={color.page}>
          <tr>
            <td className={cls.page} style={st.outer} align="center">
              <Table align="center" style={st.container}>
                {p.children}
              </Table>
            </td>
          </tr>
        </Table>
      </body>
    </Html>
  );
}

/** A rounded sheet with a 16px gap above it (spacer row: margins on tables are unreliable in mail clients). */
export function Sheet({ children, className = cls.sheet, style = st.sheet, fill = color.sheet, first }: {
  children: ReactNode;
  className?: string;
  style?: object;
  fill?: string;
  first?: boolean;
}) {
  return (
    <>
      {!first && (
        <tr>
          <td style={st.spacer}>&nbsp;</td>
        </tr>
      )}
      <tr>
        <td className={`${className} ${cls.round}`} style={style} {...bgcolor(fill)}>
          {children}
        </td>
      </tr>
    </>
  );
}
