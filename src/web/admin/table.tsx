// The admin's tables: a header row, then a row per item whose cells each column draws. One place for the
// markup, so every table gets the same classes, and the phone layout (assets.ts, table.reflow) its labels.
import type { Key, ReactNode } from 'react';

export interface Column<T> {
  /** The header; in a `reflow` table also the label a phone shows before each cell. */
  head: string;
  /** Figures: right-aligned, header and cells. */
  num?: boolean;
  /** A class for the cells (not the header). */
  className?: string;
  cell: (row: T) => ReactNode;
}

const classes = (...names: Array<string | false | undefined>) => names.filter(Boolean).join(' ') || undefined;

export function Table<T>(props: {
  columns: Array<Column<T>>;
  rows: readonly T[];
  rowKey: (row: T) => Key;
  rowClass?: (row: T) => string | undefined;
  /** On a phone each row becomes a block of labelled cells. */
  reflow?: boolean;
  /** Inside a box that scrolls sideways, so a wide table does not widen the page. */
  scroll?: boolean;
  className?: string;
  caption?: string;
  testId?: string;
}) {
  const { columns, reflow } = props;
  const table = (
    <table className={classes(reflow && 'reflow', props.className)} data-testid={props.testId}>
      {props.caption ? <caption>{props.caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.head} className={classes(c.num && 'num')}>
              {c.head}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr key={props.rowKey(row)} className={props.rowClass?.(row)}>
            {columns.map((c) => (
              <td key={c.head} data-label={reflow ? c.head : undefined} className={classes(c.num && 'num', c.className)}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return props.scroll ? <div className="table-scroll">{table}</div> : table;
}
