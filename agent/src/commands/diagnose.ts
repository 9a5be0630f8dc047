import type { CommandHandler } from "./context.ts";

/** Assess now; the executor attaches the layer report to the answer as it does for every command. */
export const diagnoseCommand: CommandHandler = async (_args, ctx) => {
  const diagnosis = await ctx.diagnose();
  if (!diagnosis) return { ok: false, message: "the diagnosis could not run" };
  const roots = Object.fromEntries(Object.entries(diagnosis.links).map(([link, r]) => [link, r.firstFailingLayer]));
  return { ok: true, result: { firstFailingLayer: { ...roots, host: diagnosis.host.firstFailingLayer }, active: diagnosis.selection.active } };
};
