// The benchmark's source tables: the guide's `orders` example, repeated. One shape keeps the
// figures comparable between runs and with the guide, whose SQL is written for this table.
import { defineTable, type Table } from '../../sim/index.js';

export const BENCH_SCHEMA = 'bench';

/** `orders_1` … `orders_<n>` in the `bench` schema, each keyed by `order_id`. */
export function benchTables(count: number): Table[] {
  return Array.from({ length: count }, (_, i) =>
    defineTable({
      schema: BENCH_SCHEMA,
      name: `orders_${i + 1}`,
      columns: [
        { name: 'order_id', type: 'bigint' },
        { name: 'user_id', type: 'bigint' },
        { name: 'product_id', type: 'bigint' },
        { name: 'quantity', type: 'int' },
        { name: 'amount', type: 'decimal(12,2)' },
        { name: 'status', type: 'varchar(16)' },
        { name: 'created_at', type: 'datetime' },
        { name: 'updated_at', type: 'datetime' },
      ],
      primaryKey: ['order_id'],
    }),
  );
}
