import { defineConfig } from 'drizzle-kit';

// Only `drizzle-kit generate` is used: its migrate/push/pull do not work on MariaDB. The
// application applies migrations itself (src/platform/db/migrate.ts).
export default defineConfig({
  dialect: 'mysql',
  schema: ['./src/platform/**/*.table.ts', './src/modules/**/*.table.ts'],
  out: './migrations',
  casing: 'snake_case',
});
