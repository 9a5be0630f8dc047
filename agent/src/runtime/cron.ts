/**
 * The agent's diagnosis schedule: a cron expression (`intervals.diagnoseCron`) run in local time.
 *
 * Five fields (minute hour day-of-month month day-of-week) or six (a leading second), each `*`,
 * a number, a range `a-b`, a step `*\/n` or `a-b/n`, or a comma list of those; months and weekdays
 * also by name (jan, mon); weekday 7 is Sunday, as 0. The day fields must both match (as
 * node-cron, which the agent used before, has it).
 *
 * Why not node-cron: it reads the time through `Intl.DateTimeFormat` on every tick, and ICU's
 * date-formatting data it pulls in cost the agent ~8 MB of RSS on a 512 MB Pi (measured beside a
 * bare Node). This reads `Date`'s local fields, and sleeps until the next matching second.
 */

const FIELDS = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day of week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
] as const;

export interface CronSchedule {
  readonly expression: string;
  /** The next matching time strictly after `after`, to the second (null past ~5 years: never). */
  next(after: Date): Date | null;
}

function parseValue(text: string, field: (typeof FIELDS)[number]): number {
  if ("names" in field && /^[a-z]{3}$/i.test(text)) {
    const i = (field.names as readonly string[]).indexOf(text.toLowerCase());
    if (i < 0) throw new Error(`"${text}" is not a ${field.name}`);
    return field.min === 1 ? i + 1 : i;
  }
  if (!/^\d{1,2}$/.test(text)) throw new Error(`"${text}" is not a ${field.name}`);
  const n = Number(text);
  if (n < field.min || n > field.max) throw new Error(`${field.name} ${n} is outside ${field.min}-${field.max}`);
  return n;
}

function parseField(text: string, field: (typeof FIELDS)[number]): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [range, stepText, extra] = part.split("/");
    if (range === undefined || range === "" || extra !== undefined) throw new Error(`"${part}" is not a ${field.name}`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d{1,2}$/.test(stepText) || Number(stepText) === 0) throw new Error(`"${stepText}" is not a step`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === "*") {
      from = field.min;
      to = field.name === "day of week" ? 6 : field.max;
    } else if (range.includes("-")) {
      const [a, b, more] = range.split("-");
      if (a === undefined || b === undefined || more !== undefined) throw new Error(`"${range}" is not a range`);
      from = parseValue(a, field);
      to = parseValue(b, field);
      if (to < from) throw new Error(`${field.name} range ${range} runs backwards`);
    } else {
      from = parseValue(range, field);
      to = stepText === undefined ? from : field.max;
    }
    for (let v = from; v <= to; v += step) values.add(field.name === "day of week" && v === 7 ? 0 : v);
  }
  return values;
}

/** Parses a cron expression; throws an Error that says which field is wrong and why. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) throw new Error(`"${expression}": a cron expression has 5 or 6 fields, not ${parts.length}`);
  if (parts.length === 5) parts.unshift("0");
  const [seconds, minutes, hours, days, months, weekdays] = parts.map((p, i) => {
    try {
      return parseField(p, FIELDS[i]!);
    } catch (err) {
      throw new Error(`"${expression}": ${(err as Error).message}`);
    }
  }) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];

  return {
    expression,
    next(after: Date): Date | null {
      const t = new Date(after.getTime());
      t.setMilliseconds(0);
      t.setSeconds(t.getSeconds() + 1);
      const limit = after.getTime() + 5 * 366 * 86_400_000;
      while (t.getTime() <= limit) {
        if (!months.has(t.getMonth() + 1)) {
          t.setMonth(t.getMonth() + 1, 1);
          t.setHours(0, 0, 0);
        } else if (!days.has(t.getDate()) || !weekdays.has(t.getDay())) {
          t.setDate(t.getDate() + 1);
          t.setHours(0, 0, 0);
        } else if (!hours.has(t.getHours())) {
          t.setHours(t.getHours() + 1, 0, 0);
        } else if (!minutes.has(t.getMinutes())) {
          t.setMinutes(t.getMinutes() + 1, 0);
        } else if (!seconds.has(t.getSeconds())) {
          t.setSeconds(t.getSeconds() + 1);
        } else {
          return t;
        }
      }
      return null;
    },
  };
}

/** Why `expression` is not a cron expression, or null when it is one. */
export function cronError(expression: string): string | null {
  try {
    parseCron(expression);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Runs `fn` at every time the expression matches, until stopped. One timer at a time, set for
 * the next match (re-read from the clock each time, so a clock step or a suspend only shifts the
 * next run); a long wait is taken in steps of at most a day (a timer's delay is a 32-bit number).
 */
export function scheduleCron(expression: string, fn: () => void, now: () => Date = () => new Date()): { stop(): void } {
  const schedule = parseCron(expression);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // The last time it fired: a timer that wakes a hair early must not fire the same second twice.
  let last = 0;
  const arm = () => {
    if (stopped) return;
    const from = Math.max(now().getTime(), last);
    const at = schedule.next(new Date(from));
    if (!at) return;
    const wait = at.getTime() - now().getTime();
    const fire = wait <= 86_400_000;
    timer = setTimeout(
      () => {
        if (stopped) return;
        if (fire) {
          last = at.getTime();
          fn();
        }
        arm();
      },
      Math.max(0, fire ? wait : 86_400_000),
    );
  };
  arm();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
