/**
 * The worker-thread entry point for the shared pool: imports the task module
 * named in the message and calls the named export. Modules are cached per
 * worker by Node's loader, so the import cost is paid once per thread.
 */
export default async function runTask(task: { module: string; fn: string; arg: unknown }): Promise<unknown> {
  const mod = (await import(task.module)) as Record<string, unknown>;
  const fn = mod[task.fn];
  if (typeof fn !== "function") throw new Error(`${task.module} has no exported function ${task.fn}`);
  return (fn as (a: unknown) => unknown)(task.arg);
}
