// The weekly issue: masthead, "in this issue", one sheet per comparison (two tool cards and the
// reviewer scorecard), footer. All figures and links arrive computed in the IssueView.
import type { ReactNode } from 'react';
import { Body, Container, Head, Html, Preview } from 'react-email';
import type { IssueView } from '../src/issues/view.js';
import { Comparison } from './_components/comparison.js';
import { Footer } from './_components/footer.js';
import { InThisIssue, Masthead } from './_components/header.js';
import { Table, bgcolor } from './_components/layout.js';
import { previewIssue } from './_components/preview-data.js';
import { cls, color, css, st } from './_components/theme.js';

interface Props {
  view: IssueView;
}

export function WeeklyIssue({ view }: Props) {
  return (
    <Html lang="en" dir="ltr">
      <Head>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <title>{view.subject}</title>
        <style dangerouslySetInnerHTML={{ __html: css }} />
      </Head>
      <Body className={cls.page} style={st.body}>
        {/* The preheader only: by default react-email also writes it into a <title>, which React 19 hoists into
            <head> beside the subject's, and a document with two titles shows either. */}
        <Preview useTitleTag={false}>{view.preheader}</Preview>
        <Table className={cls.page} bgcolor={color.page}>
          <tr>
            <td className={cls.page} style={st.outer}>
              <Container style={st.container}>
                <Table>
                  <tr>
                    <Masthead view={view} />
                  </tr>
                  <tr>
                    <InThisIssue view={view} />
                  </tr>
                  {view.comparisons.map((c) => (
                    <Sheet key={c.position}>
                      <Comparison c={c} />
                    </Sheet>
                  ))}
                  <tr>
                    <Footer view={view} />
                  </tr>
                </Table>
              </Container>
            </td>
          </tr>
        </Table>
      </Body>
    </Html>
  );
}

/** A white sheet with a 16px gap above it (spacer row: margins on tables are unreliable in mail clients). */
function Sheet({ children }: { children: ReactNode }) {
  return (
    <>
      <tr>
        <td style={st.spacer}>&nbsp;</td>
      </tr>
      <tr>
        <td className={cls.sheet} style={st.sheet} {...bgcolor(color.sheet)}>
          {children}
        </td>
      </tr>
    </>
  );
}

WeeklyIssue.PreviewProps = { view: previewIssue() } satisfies Props;

export default WeeklyIssue;
