/**
 * One Ajv instance for every schema: the top-level config, each plugin's
 * `with` block and each provider's config. The `dpo` keyword marks strings that
 * are file paths, provider names, environment variable names or secrets; validation collects them with
 * their instance paths, so the schema is the single source of truth.
 */
import AjvModule, { type ErrorObject, type ValidateFunction } from "ajv";
import type { JsonSchema } from "./plugin.js";

const Ajv = AjvModule as unknown as typeof AjvModule.default;

export type RefKind = "file" | "provider" | "secret" | "tuning" | "env";
export interface Ref {
  kind: RefKind;
  /** JSON pointer inside the validated value, e.g. `/rubric`. */
  pointer: string;
  value: unknown;
}

let collecting: Ref[] | undefined;

export const ajv = new Ajv({
  allErrors: true,
  useDefaults: true,
  strict: true,
  allowUnionTypes: true,
});
ajv.addKeyword({
  keyword: "dpo",
  schemaType: "string",
  validate(kind: RefKind, value: unknown, _parent: unknown, cxt?: { instancePath: string }) {
    collecting?.push({ kind, pointer: cxt?.instancePath ?? "", value });
    return true;
  },
});

const compiled = new WeakMap<JsonSchema, ValidateFunction>();

export function compile(schema: JsonSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

export interface Validation {
  valid: boolean;
  errors: ErrorObject[];
  refs: Ref[];
}

/** Validates in place (defaults are filled in) and collects `dpo` references (only the secret ones when the value is invalid). */
export function validate(schema: JsonSchema, value: unknown): Validation {
  const v = compile(schema);
  collecting = [];
  try {
    const valid = v(value) as boolean;
    // An invalid value still names its secrets, so that its errors can be redacted.
    return { valid, errors: v.errors ? [...v.errors] : [], refs: valid ? collecting : collecting.filter((r) => r.kind === "secret") };
  } finally {
    collecting = undefined;
  }
}
