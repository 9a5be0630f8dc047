// CSV for a spreadsheet (RFC 4180), safe to open: a cell that a spreadsheet would read as a formula
// (one starting with =, +, -, @, after blanks or not, or with a tab or carriage return) is prefixed with
// ' so that it stays text. Much of the fleet table is what devices send, and a device must not be
// able to put a formula in an operator's spreadsheet.

const FORMULA_START = /^(\s*[=+\-@]|[\t\r])/;

/** One cell, quoted when it must be, and never a formula. */
export function csvCell(value) {
  if (value === null || value === undefined) return "";
  let s = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : String(value);
  // Numbers we wrote ourselves (like -71) are numbers; every string that looks like a formula is not.
  if (typeof value !== "number" && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows (arrays of cells) to a CSV document with CRLF line ends, as RFC 4180 says. */
export function toCsv(rows) {
  return rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
