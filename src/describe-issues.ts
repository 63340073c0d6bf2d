import * as v from 'valibot';

/**
 * The one formatter of failed valibot parses: every issue as `path: message`, joined with `; `
 * (`processes.0.id: Invalid type: …`). `root` names an issue that has no path (the whole value:
 * `body`, `query`, `(root)`). A leaf module: the config, the HTTP edge, the SDK and the tools use it.
 */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[], root = '(root)'): string {
  return issues.map((issue) => `${v.getDotPath(issue) ?? root}: ${issue.message}`).join('; ');
}
