// Command-line options made from the configuration tables (src/train/config.ts): each field's
// flag, help, parser and default come from its entry, so an option is declared once. The CLI adds
// only what is its own: which commands take which fields, and their defaults there.
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError, flagOf, kebab, type Field, type Fields } from '../train/fields.js';

/** Commander's attribute for a flag: --lr-schedule → lrSchedule. */
const attribute = (flag: string) => flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

/** The commander attribute under which a field's value arrives. */
export const attributeOf = (fields: Fields, key: string): string =>
  attribute(flagOf(fields, key).slice(2));

/** A parser for commander: the field's parse, its errors prefixed with the flag. */
function parser<V>(flag: string, f: Field<V>): (raw: string) => V {
  return (raw) => {
    try {
      return f.parse(raw);
    } catch (e) {
      throw new InvalidArgumentError(`${flag} ${(e as Error).message}`);
    }
  };
}

export interface FieldOptionSpec {
  /** The default shown and used (absent: none, the library decides). */
  default?: unknown;
  /** Help replacing the field's own (a command's own reading of it). */
  help?: string;
}

/**
 * Adds the options of `keys` of a table to a command. A boolean field gets --name and --no-name
 * with no commander default (readFields fills it), so the help can say which one is the default.
 */
export function addFieldOptions<F extends Fields>(
  cmd: Command,
  fields: F,
  specs: { [K in keyof F]?: FieldOptionSpec },
): Command {
  for (const [key, spec] of Object.entries(specs) as [string, FieldOptionSpec][]) {
    const f = fields[key]!;
    const flag = flagOf(fields, key);
    const help = spec.help ?? f.help;
    if (!f.arg) {
      const on = spec.default === true ? ' (default)' : '';
      const off = spec.default === false ? ' (default)' : '';
      cmd.option(flag, `${help}${on}`).option(`--no-${flag.slice(2)}`, `do not: ${help}${off}`);
      continue;
    }
    const described = `${flag} ${f.arg}`;
    if (spec.default === undefined) cmd.option(described, help, parser(flag, f));
    else cmd.option(described, help, parser(flag, f), spec.default);
  }
  return cmd;
}

/** The values of `keys` from parsed options (a switch not given takes its default). */
export function readFields<F extends Fields, K extends keyof F & string>(
  fields: F,
  o: Record<string, unknown>,
  specs: { [P in K]?: FieldOptionSpec },
): Record<K, unknown> {
  const out = {} as Record<K, unknown>;
  for (const key of Object.keys(specs) as K[]) {
    const v = o[attributeOf(fields, key)];
    out[key] = v === undefined ? specs[key]?.default : v;
  }
  return out;
}

/** A ConfigError's message with each field written as its flag (other errors unchanged). */
export function inFlagWords(e: unknown): unknown {
  if (!(e instanceof ConfigError) || !e.fields) return e;
  const fields = e.fields;
  return new Error(
    e.describe((k) => (k in fields ? flagOf(fields, k) : `--${kebab(k)}`)),
    { cause: e },
  );
}
