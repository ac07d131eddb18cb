// The plan as text for `ingot build --plan` (the --json form is the Plan object itself).
import type { Plan } from './plan.js';

export function planText(plan: Plan): string {
  const lines = [`Plan for ${plan.recipe.name} (${plan.recipe.file}, ${plan.recipe.digest})`];
  const vars = Object.entries(plan.variables);
  if (vars.length) lines.push(`variables: ${vars.map(([k, v]) => `${k}=${v.value} (${v.from})`).join(', ')}`);
  lines.push('');
  plan.stages.forEach((stage, i) => {
    const n = `${String(i + 1).padStart(2)}.`;
    if (!stage.run) {
      lines.push(`${n} ${stage.id}: skipped — ${stage.reason ?? ''}`);
      return;
    }
    lines.push(`${n} ${stage.id}: ${stage.title}`);
    for (const action of stage.actions) lines.push(`      ${action}`);
  });
  for (const warning of plan.warnings) lines.push('', `warning: ${warning}`);
  lines.push('', 'Nothing was touched: this is a plan only.');
  return lines.join('\n');
}
