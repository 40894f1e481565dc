import { Engine } from '../../engine/index.ts';
import { print, type CommandContext } from '../shared.ts';

/** `medprep verify BUNDLE [--project DIR] [--ocr]`: exit 1 with a one-line summary when a check fails. */
export async function verifyCommand(ctx: CommandContext): Promise<void> {
  const engine = new Engine();
  try {
    const project = typeof ctx.values.project === 'string' ? ctx.values.project : undefined;
    if (project) await engine.invoke('project.open', { dir: project });
    const report = await engine.invoke('export.verify', {
      bundle: ctx.args[0]!,
      withProject: !!project,
      ocr: ctx.values.ocr === true,
    });
    if (ctx.json) ctx.io.stdout.write(JSON.stringify(report) + '\n');
    else if (report.ok)
      print(
        ctx,
        report,
        [report.summary, ...report.checks.map((c) => `  ✓ ${c.name}: ${c.detail}`)].join('\n'),
      );
    else for (const c of report.checks) ctx.io.stdout.write(`  ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}\n`);
    if (!report.ok) throw new Error(report.summary);
  } finally {
    await engine.close();
  }
}
