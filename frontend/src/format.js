/** Formatting of times, dates, languages and counts for display. */

const languageNames = typeof Intl !== "undefined" && Intl.DisplayNames ? new Intl.DisplayNames(["en"], { type: "language" }) : null;

/** "12:34" or "1:02:03" from seconds. */
export function formatClock(seconds) {
  const total = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return `${h ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

/** "1 h 42 min", "7 min", "45 s" from seconds. */
export function formatDuration(seconds) {
  const total = Math.round(Number(seconds) || 0);
  if (total < 60) return `${total} s`;
  const h = Math.floor(total / 3600);
  const m = Math.round((total % 3600) / 60);
  return h ? `${h} h ${m} min` : `${m} min`;
}

/** "English" from "en"; the code itself when the browser does not know it. */
export function languageName(code) {
  if (!code) return "";
  try {
    return (languageNames && languageNames.of(code)) || code.toUpperCase();
  } catch {
    return code.toUpperCase();
  }
}

export function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

/** Whole years between a birth date and today. */
export function ageFrom(iso, today = new Date()) {
  const born = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(born.getTime())) return null;
  let age = today.getUTCFullYear() - born.getUTCFullYear();
  const beforeBirthday = today.getUTCMonth() < born.getUTCMonth() || (today.getUTCMonth() === born.getUTCMonth() && today.getUTCDate() < born.getUTCDate());
  if (beforeBirthday) age -= 1;
  return age;
}

export function formatBytes(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
}

export function plural(n, one, many = `${one}s`) {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

/** Where a description came from, in viewers' words. */
export const SOURCE_LABELS = {
  override: "Editor's description",
  cms: "Editorial (CMS)",
  partner: "Partner description",
};

/**
 * The unit a chart of durations reads best in, from its largest value in seconds: under two
 * minutes in seconds, under two hours in minutes, else hours. (One fixed unit, hours, made every
 * tick of a small watch time read "0.00 h".)
 */
export function durationUnit(maxSeconds) {
  const max = Math.abs(Number(maxSeconds) || 0);
  if (max >= 7200) return { unit: "h", seconds: 3600, label: "Hours" };
  if (max >= 120) return { unit: "min", seconds: 60, label: "Minutes" };
  return { unit: "s", seconds: 1, label: "Seconds" };
}

/** How many decimals the multiples of `step` need (0.25 -> 2, 2.5 -> 1, 10 -> 0). */
export function stepDecimals(step) {
  const s = Number(step);
  if (!(s > 0) || !Number.isFinite(s)) return 0;
  const [mantissa, exponent] = s.toPrecision(6).replace(/0+(e|$)/, "$1").replace(/\.(e|$)/, "$1").split("e");
  const decimals = (mantissa.split(".")[1] || "").length - Number(exponent || 0);
  return Math.max(0, Math.min(10, decimals));
}

/** An axis tick: `value` with just the decimals its `step` needs, and the unit ("2.5 min"). */
export function formatTick(value, step, unit = "") {
  const decimals = stepDecimals(step);
  const text = Number(value).toLocaleString("en", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  return unit ? `${text} ${unit}` : text;
}

/** A duration to read in a table or a tooltip: "0.85 s", "12.3 s", then formatDuration's "7 min". */
export function formatSeconds(seconds) {
  const v = Number(seconds);
  if (seconds === null || seconds === undefined || !Number.isFinite(v)) return "—";
  if (v < 10) return `${v.toFixed(2)} s`;
  if (v < 60) return `${v.toFixed(1)} s`;
  return formatDuration(v);
}

/** "12.5 %", "0.35 %", "—" for a missing figure. */
export function formatPercent(value) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return "—";
  const v = Number(value);
  return `${v.toFixed(v !== 0 && Math.abs(v) < 1 ? 2 : 1)} %`;
}
