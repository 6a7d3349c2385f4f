// The long table as one Parquet file (hyparquet-writer: pure JavaScript, no native code), with
// the CSV export's columns in the same order.
import { parquetWriteBuffer } from 'hyparquet-writer';
import { Cell, TableRow, tableColumns } from './export';

type ColumnType = 'DOUBLE' | 'BOOLEAN' | 'STRING';

/** A column of numbers is DOUBLE, of booleans BOOLEAN, anything else (or mixed) STRING; every column is nullable. */
function columnType(values: readonly Cell[]): ColumnType {
  const present = values.filter((v) => v !== null);
  if (present.length && present.every((v) => typeof v === 'number')) return 'DOUBLE';
  if (present.length && present.every((v) => typeof v === 'boolean')) return 'BOOLEAN';
  return 'STRING';
}

/** Parquet bytes of `rows`: `tableColumns(rows)` in order, null where a row has no value. */
export function toParquet(rows: readonly TableRow[]): Uint8Array {
  const columnData = tableColumns(rows).map((name) => {
    const values = rows.map((r) => r[name] ?? null);
    const type = columnType(values);
    return { name, type, nullable: true, data: type === 'STRING' ? values.map((v) => (v === null ? null : String(v))) : values };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}
