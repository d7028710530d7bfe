// The one table shape every layout block uses: presentational, full width, no cell spacing.
import type { ReactNode, TableHTMLAttributes } from 'react';

export function Table({ children, ...rest }: TableHTMLAttributes<HTMLTableElement> & { children: ReactNode }) {
  return (
    <table role="presentation" width="100%" cellPadding={0} cellSpacing={0} border={0} {...rest}>
      <tbody>{children}</tbody>
    </table>
  );
}

/**
 * The legacy `bgcolor` attribute for a table cell (Outlook on Windows ignores CSS backgrounds on some
 * cells). React renders it as written; its types only know it on <table>, hence the spread helper.
 */
export function bgcolor(c: string): object {
  return { bgcolor: c };
}
