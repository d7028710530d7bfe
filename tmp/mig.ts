import { migrate } from '../src/db/migrate.js';
migrate(process.env.DATABASE_URL!).then((r) => console.log(r.length, 'applied'), (e) => { console.error('ERR', e.message); process.exit(1); });
