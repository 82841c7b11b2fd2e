/**
 * JSON pointers (`/stages/judge/with/rubric`), the one way to name a place in
 * a config value. Kept apart from the YAML parser so code that only names or
 * locates places (the executor, the compiled config) does not load it.
 */
export function splitPointer(pointer: string): string[] {
  if (pointer === "" || pointer === "/") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function joinPointer(...segments: (string | number)[]): string {
  return segments.map((s) => "/" + String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}
