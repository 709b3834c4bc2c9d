// A configuration field, declared once: its type, its check in library words, its help, and the
// command-line flag the CLI derives from it. Tables of fields (TRAIN_FIELDS, KD_FIELDS) give the
// config types, the library's validation, the CLI's options and the resume comparison.

/** A field of a configuration whose values are V. */
export interface Field<V> {
  /** The problem with a value, in library words ("must be a number > 0"), or null when fine. */
  check(v: V): string | null;
  /** Reads a command-line string (a wrong one throws, naming what was expected). */
  parse(raw: string): V;
  help: string;
  /** The value placeholder in the CLI's help ('<n>', '<x>', '<name>'); none for a switch. */
  arg?: string;
  /** The flag, when it is not the key in kebab case ('lr-schedule' for schedule). */
  flag?: string;
  /** The allowed values, for a choice. */
  choices?: readonly string[];
  /** May be absent (older run files, options with a library-side default). */
  optional?: boolean;
  /** Fixed by the library (no flag). */
  internal?: boolean;
}

export type Fields = Record<string, Field<unknown>>;

/** The config type a table of fields describes (optional fields optional). */
export type ConfigOf<F> = {
  [K in keyof F as F[K] extends { optional: true } ? never : K]: F[K] extends Field<infer V>
    ? V
    : never;
} & {
  [K in keyof F as F[K] extends { optional: true } ? K : never]?: F[K] extends Field<infer V>
    ? V
    : never;
};

/** Thrown when a configuration value is wrong; `field` names it (the CLI shows its flag). */
export class ConfigError extends RangeError {
  constructor(
    readonly field: string,
    readonly problem: string,
    /** The message with each field written as `name(field)`. */
    readonly describe: (name: (field: string) => string) => string = (name) =>
      `${name(field)} ${problem}`,
    /** The table the field is in (the CLI writes fields as their flags). */
    readonly fields?: Fields,
  ) {
    super(describe((f) => f));
    this.name = 'ConfigError';
  }
}

/** Both the parse (CLI) and the check (library) say a choice the same way. */
const oneOf = (choices: readonly string[]) => `one of ${choices.join(', ')}`;

const wrong = (what: string, raw: string) =>
  new RangeError(`must be ${what}, got ${JSON.stringify(raw)}`);

/** A number from a command-line string (decimal digits only for integers: not '0x1' or '1e3'). */
function parseNumber(raw: string, integer: boolean): number {
  const n = integer ? (/^[+-]?\d+$/.test(raw) ? Number(raw) : NaN) : Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isSafeInteger(n)))
    throw wrong(integer ? 'an integer' : 'a number', raw);
  return n;
}

function numeric(
  help: string,
  what: string,
  ok: (v: number) => boolean,
  integer: boolean,
  arg: string,
): Field<number> {
  return {
    help,
    arg,
    check: (v) => (typeof v === 'number' && Number.isFinite(v) && ok(v) ? null : `must be ${what}`),
    // integers are checked as typed ("got \"0\""); other numbers when the config is (got 2)
    parse: (raw) => {
      const v = parseNumber(raw, integer);
      if (integer && !ok(v)) throw wrong(what, raw);
      return v;
    },
  };
}

/** Field constructors by kind. */
export const field = {
  positiveInt: (help: string) =>
    numeric(help, 'a positive integer', (v) => Number.isInteger(v) && v > 0, true, '<n>'),
  nonNegativeInt: (help: string) =>
    numeric(help, 'an integer >= 0', (v) => Number.isInteger(v) && v >= 0, true, '<n>'),
  int: (help: string) => numeric(help, 'an integer', (v) => Number.isInteger(v), true, '<n>'),
  positive: (help: string) => numeric(help, 'a number > 0', (v) => v > 0, false, '<x>'),
  nonNegative: (help: string) => numeric(help, 'a number >= 0', (v) => v >= 0, false, '<x>'),
  between: (help: string, lo: number, hi: number, arg = '<x>') =>
    numeric(help, `in [${lo}, ${hi}]`, (v) => v >= lo && v <= hi, false, arg),
  choice: <C extends string>(help: string, choices: readonly C[], arg = '<name>'): Field<C> => ({
    help: `${help}: ${choices.join(' | ')}`,
    arg,
    choices,
    check: (v) => (choices.includes(v) ? null : `must be ${oneOf(choices)}`),
    parse: (raw) => {
      if (!choices.includes(raw as C)) throw wrong(oneOf(choices), raw);
      return raw as C;
    },
  }),
  string: (help: string, arg = '<name>'): Field<string> => ({
    help,
    arg,
    check: (v) => (typeof v === 'string' && v !== '' ? null : 'must be a non-empty string'),
    parse: (raw) => raw,
  }),
  /** A switch (--name and --no-name). */
  boolean: (help: string): Field<boolean> => ({
    help,
    check: (v) => (typeof v === 'boolean' ? null : 'must be true or false'),
    parse: (raw) => {
      if (raw !== 'true' && raw !== 'false') throw wrong('true or false', raw);
      return raw === 'true';
    },
  }),
};

/** Marks a field optional or internal (no flag). */
export const optional = <V>(f: Field<V>): Field<V> & { optional: true } => ({
  ...f,
  optional: true,
});
export const internal = <V>(f: Field<V>): Field<V> => ({ ...f, internal: true });
export const withFlag = <V>(f: Field<V>, flag: string): Field<V> => ({ ...f, flag });

/** camelCase → kebab-case. */
export const kebab = (s: string): string => s.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);

/** The command-line flag of a field of a table. */
export const flagOf = (fields: Fields, key: string): string =>
  `--${fields[key]?.flag ?? kebab(key)}`;

/** Checks every present field of `config` against its table: the first problem is a ConfigError. */
export function checkFields(fields: Fields, config: Record<string, unknown>): void {
  for (const [key, f] of Object.entries(fields)) {
    const v = config[key];
    if (v === undefined && f.optional) continue;
    const problem = f.check(v);
    if (problem)
      throw new ConfigError(
        key,
        `${problem}, got ${JSON.stringify(v) ?? String(v)}`,
        undefined,
        fields,
      );
  }
}
