/**
 * CSV (RFC 4180) for spreadsheets. Every cell is quoted; a text that a spreadsheet would read as a
 * formula (starting with = + - @, or a tab / carriage return that hides one) is prefixed with an
 * apostrophe so it is shown, never executed.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '""';
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function csvLine(cells: (string | number | null | undefined)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** Byte order mark: spreadsheet apps then read the file as UTF-8 (accents, emoji, CJK). */
export const CSV_BOM = "\uFEFF";
