// `verdicts subscribers import FILE.csv`: streams the file (src/subscribers/csv-import.ts), draws a
// progress bar when standard error is a terminal, and wakes the confirmation job for pending readers.
import { createReadStream, statSync } from 'node:fs';
import type { App } from '../app.js';
import { csvKey, importSubscribersStream, type StreamImportReport } from '../subscribers/csv-import.js';
import { wakeConfirmations } from '../queue/confirm-queue.js';

function progressBar(total: number): { update(rows: number, bytes: number): void; done(): void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    update(rows, bytes) {
      if (!tty || Date.now() - last < 100) return;
      last = Date.now();
      const share = total > 0 ? Math.min(1, bytes / total) : 0;
      const width = 30;
      const filled = Math.round(share * width);
      process.stderr.write(`\rimporting [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${rows.toLocaleString('en')} rows`);
    },
    done() {
      if (tty && last > 0) process.stderr.write('\n');
    },
  };
}

export async function importSubscribersFile(app: App, file: string, confirmed: boolean): Promise<StreamImportReport & { confirmationsQueued: number }> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const open = () => createReadStream(file, { highWaterMark: 256 * 1024 });
  const bar = progressBar(size);
  const report = await importSubscribersStream(app.db, { key: await csvKey(open, confirmed), open }, {
    confirmed,
    source: `import:${file.split('/').pop()}`,
    onProgress: (p) => bar.update(p.rows, p.bytes),
  }).finally(() => bar.done());
  // The readers are already marked as owed (in their chunk's transaction): this only wakes the send
  // workers' job. Should this process stop first, the sweeper wakes it within 30 s.
  if (report.confirmationsRequested > 0) await wakeConfirmations(app.queue('confirm'), 'import');
  return { ...report, confirmationsQueued: report.confirmationsRequested };
}
