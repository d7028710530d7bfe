// The weekly issue: masthead, "in this issue", one sheet per comparison (two tool cards and the
// reviewer scorecard), footer. All figures and links arrive computed in the IssueView.
import type { IssueView } from '../src/issues/view.js';
import { Comparison } from './_components/comparison.js';
import { EmailDocument, Sheet } from './_components/document.js';
import { Footer } from './_components/footer.js';
import { InThisIssue, Masthead } from './_components/header.js';
import { previewIssue } from './_components/preview-data.js';

interface Props {
  view: IssueView;
}

export function WeeklyIssue({ view }: Props) {
  return (
    <EmailDocument subject={view.subject} preheader={view.preheader}>
      <Masthead view={view} />
      <InThisIssue view={view} />
      {view.comparisons.map((c) => (
        <Sheet key={c.position}>
          <Comparison c={c} />
        </Sheet>
      ))}
      <tr>
        <Footer view={view} />
      </tr>
    </EmailDocument>
  );
}

WeeklyIssue.PreviewProps = { view: previewIssue() } satisfies Props;

export default WeeklyIssue;
