#!/usr/bin/env node
// The `verdicts` command from source: TypeScript runs through tsx's loader. Production processes run the
// same code bundled by `npm run build` (`node dist/verdicts.js …`), without a loader thread and its memory.
import { register } from 'tsx/esm/api';

register();
await import('./run.ts');
