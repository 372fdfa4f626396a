import { newTask, type ScheduleTask } from './schedule.model.js';

/*
 * P6 keeps its WBS apart from its activities; the neutral schedule (as MS Project) has summary
 * tasks instead. Each WBS node below the project node becomes a summary task (UID `WBS:<code
 * path>`), followed by its activities one outline level deeper, then its child nodes.
 */

export interface WbsNode {
  id: string;
  /** The node's own short code; the task's WBS is the path of codes from the top, joined by dots. */
  code: string;
  name: string;
  parent: string;
  seq: number;
  /** The project node (XER proj_node_flag Y): not a summary task of its own. */
  root: boolean;
}

export function outlineTasks(wbsNodes: readonly WbsNode[], activities: ReadonlyArray<{ wbsId: string; task: ScheduleTask }>): ScheduleTask[] {
  interface Node extends WbsNode {
    children: Node[];
    tasks: ScheduleTask[];
  }
  const nodes = new Map<string, Node>(wbsNodes.map((n) => [n.id, { ...n, children: [], tasks: [] }]));
  const top: Node[] = [];
  for (const node of nodes.values()) {
    if (node.root) continue;
    const parent = nodes.get(node.parent);
    if (parent && !parent.root && parent !== node) parent.children.push(node);
    else top.push(node);
  }
  const out: ScheduleTask[] = [];
  for (const { wbsId, task } of activities) {
    const node = nodes.get(wbsId);
    if (node && !node.root) node.tasks.push(task);
    else out.push(task);
  }
  const bySeq = (a: Node, b: Node) => a.seq - b.seq || a.code.localeCompare(b.code);
  const seen = new Set<Node>();
  const visit = (node: Node, path: string, level: number) => {
    if (seen.has(node)) return; // a damaged file's parent loop
    seen.add(node);
    const code = path ? `${path}.${node.code}` : node.code;
    const summary = newTask(`WBS:${code}`, node.name || code);
    summary.isSummary = true;
    summary.wbs = code;
    summary.outlineLevel = level;
    out.push(summary);
    for (const task of node.tasks) {
      task.wbs = code;
      task.outlineLevel = level + 1;
      out.push(task);
    }
    for (const child of node.children.sort(bySeq)) visit(child, code, level + 1);
  };
  for (const node of top.sort(bySeq)) visit(node, '', 1);
  rollUpDates(out);
  return out;
}

/** A summary task spans its tasks: the earliest start and the latest finish below it (P6 keeps no dates on WBS nodes). */
function rollUpDates(tasks: ScheduleTask[]): void {
  const open: ScheduleTask[] = [];
  for (const task of tasks) {
    while (open.length && open[open.length - 1]!.outlineLevel >= task.outlineLevel) open.pop();
    for (const summary of open) {
      if (task.start && (!summary.start || task.start < summary.start)) summary.start = task.start;
      if (task.finish && (!summary.finish || task.finish > summary.finish)) summary.finish = task.finish;
    }
    if (task.isSummary) open.push(task);
  }
}
