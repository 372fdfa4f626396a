import iconv from 'iconv-lite';
import { DEFAULT_MINUTES_PER_DAY, type Schedule } from './schedule.model.js';
import { decimal } from './schedule.ids.js';
import { p6Shape, statusOf } from './p6.export.js';
import { formatClndrData, XER_CONSTRAINT_CODES, XER_LINK_CODES, XER_PERCENT_CODES, XER_RESOURCE_CODES } from './xer.format.js';

/*
 * XER out: ERMHDR, then CURRTYPE, PROJECT, CALENDAR, PROJWBS, RSRC, RSRCRATE, TASK, TASKPRED, TASKRSRC
 * (each table after the ones its rows point to), %E; Windows-1252, CR LF. The field lists are
 * those of P6's own exports; fields the schedule does not know are left empty, as P6 does.
 */

const FIELDS = {
  CURRTYPE: 'curr_id decimal_digit_cnt curr_symbol decimal_symbol digit_group_symbol pos_curr_fmt_type neg_curr_fmt_type curr_type curr_short_name group_digit_cnt base_exch_rate',
  PROJECT:
    'proj_id fy_start_month_num rsrc_self_add_flag allow_complete_flag rsrc_multi_assign_flag checkout_flag project_flag step_complete_flag cost_qty_recalc_flag batch_sum_flag name_sep_char def_complete_pct_type proj_short_name acct_id orig_proj_id source_proj_id base_type_id clndr_id sum_base_proj_id task_code_base task_code_step priority_num wbs_max_sum_level strgy_priority_num last_checksum critical_drtn_hr_cnt def_cost_per_qty last_recalc_date plan_start_date plan_end_date scd_end_date add_date last_tasksum_date fcst_start_date def_duration_type task_code_prefix guid def_qty_type add_by_name web_local_root_path proj_url def_rate_type add_act_remain_flag act_this_per_link_flag def_task_type act_pct_link_flag critical_path_type task_code_prefix_flag def_rollup_dates_flag use_project_baseline_flag rem_target_link_flag reset_planned_flag allow_neg_act_flag sum_assign_level last_fin_dates_id last_baseline_update_date cr_external_key apply_actuals_date location_id loaded_scope_level export_flag new_fin_dates_id next_data_date close_period_flag sum_refresh_date trsrcsum_loaded',
  CALENDAR: 'clndr_id default_flag clndr_name proj_id base_clndr_id last_chng_date clndr_type day_hr_cnt week_hr_cnt month_hr_cnt year_hr_cnt rsrc_private clndr_data',
  PROJWBS:
    'wbs_id proj_id obs_id seq_num proj_node_flag sum_data_flag status_code wbs_short_name wbs_name phase_id parent_wbs_id ev_user_pct ev_etc_user_value orig_cost indep_remain_total_cost ann_dscnt_rate_pct dscnt_period_type indep_remain_work_qty anticip_start_date anticip_end_date ev_compute_type ev_etc_compute_type guid tmpl_guid plan_open_state',
  RSRCRATE: 'rsrc_rate_id rsrc_id max_qty_per_hr cost_per_qty start_date shift_period_id cost_per_qty2 cost_per_qty3 cost_per_qty4 cost_per_qty5',
  RSRC: 'rsrc_id parent_rsrc_id clndr_id role_id shift_id user_id pobs_id guid rsrc_seq_num email_addr employee_code office_phone other_phone rsrc_name rsrc_short_name rsrc_title_name def_qty_per_hr cost_qty_type ot_factor active_flag auto_compute_act_flag def_cost_qty_link_flag ot_flag curr_id unit_id rsrc_type location_id rsrc_notes load_tasks_flag level_flag last_checksum',
  TASK: 'task_id proj_id wbs_id clndr_id phys_complete_pct rev_fdbk_flag lock_plan_flag auto_compute_act_flag complete_pct_type task_type duration_type status_code task_code task_name rsrc_id total_float_hr_cnt free_float_hr_cnt remain_drtn_hr_cnt act_work_qty remain_work_qty target_work_qty target_drtn_hr_cnt target_equip_qty act_equip_qty remain_equip_qty cstr_date act_start_date act_end_date late_start_date late_end_date expect_end_date early_start_date early_end_date restart_date reend_date target_start_date target_end_date rem_late_start_date rem_late_end_date cstr_type priority_type suspend_date resume_date float_path float_path_order guid tmpl_guid cstr_date2 cstr_type2 driving_path_flag act_this_per_work_qty act_this_per_equip_qty external_early_start_date external_late_end_date create_date update_date create_user update_user location_id',
  TASKPRED: 'task_pred_id task_id pred_task_id proj_id pred_proj_id pred_type lag_hr_cnt float_path aref arls',
  TASKRSRC:
    'taskrsrc_id task_id proj_id cost_qty_link_flag role_id acct_id rsrc_id pobs_id skill_level remain_qty target_qty remain_qty_per_hr target_lag_drtn_hr_cnt target_qty_per_hr act_ot_qty act_reg_qty relag_drtn_hr_cnt ot_factor cost_per_qty target_cost act_reg_cost act_ot_cost remain_cost act_start_date act_end_date restart_date reend_date target_start_date target_end_date rem_late_start_date rem_late_end_date rollup_dates_flag target_crv remain_crv actual_crv ts_pend_act_end_flag guid rate_type act_this_per_cost act_this_per_qty curv_id rsrc_type cost_per_qty_source_type create_user create_date has_rsrchours taskrsrc_sum_id',
} as const;

type Row = Record<string, string | number | null | undefined>;

/** A value as XER text: no tabs or line breaks inside a field. */
function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'number' ? decimal(value) : value.replace(/[\t\r\n]+/g, ' ');
}

/** `2024-05-01T08:00:00` → `2024-05-01 08:00`. */
const xerDate = (value: string | null | undefined): string => (value ? `${value.slice(0, 10)} ${value.slice(11, 16) || '00:00'}` : '');

/** Lines of an XER file (without line ends), then the caller encodes. */
export function* xerLines(schedule: Schedule, warnings: string[], now = new Date()): Generator<string> {
  const shape = p6Shape(schedule, warnings);
  const today = now.toISOString().slice(0, 10);
  const stamp = `${today} ${now.toISOString().slice(11, 16)}`;
  const projId = 1;
  const hoursPerDay = (schedule.minutesPerDay || DEFAULT_MINUTES_PER_DAY) / 60;
  const starts = schedule.tasks.map((t) => t.start).filter((s): s is string => !!s);
  const planStart = starts.length ? starts.reduce((a, b) => (a < b ? a : b)) : `${today}T08:00:00`;

  function* table(name: keyof typeof FIELDS, rows: Iterable<Row>): Generator<string> {
    const fields = FIELDS[name].split(' ');
    yield `%T\t${name}`;
    yield `%F\t${fields.join('\t')}`;
    for (const row of rows) yield `%R\t${fields.map((f) => cell(row[f])).join('\t')}`;
  }

  yield ['ERMHDR', '20.12', today, 'Project', 'admin', 'Trestle', 'dbxDatabaseNoName', 'Project Management', 'USD'].join('\t');
  yield* table('CURRTYPE', [
    { curr_id: 1, decimal_digit_cnt: 2, curr_symbol: '$', decimal_symbol: '.', digit_group_symbol: ',', pos_curr_fmt_type: '#1.1', neg_curr_fmt_type: '(#1.1)', curr_type: 'US Dollar', curr_short_name: 'USD', group_digit_cnt: 3, base_exch_rate: 1 },
  ]);
  const calendarId = shape.projectCalendarId ?? 1;
  yield* table('PROJECT', [
    {
      proj_id: projId,
      fy_start_month_num: 1,
      rsrc_self_add_flag: 'Y',
      allow_complete_flag: 'Y',
      rsrc_multi_assign_flag: 'Y',
      checkout_flag: 'N',
      project_flag: 'Y',
      step_complete_flag: 'N',
      cost_qty_recalc_flag: 'N',
      batch_sum_flag: 'Y',
      name_sep_char: '.',
      def_complete_pct_type: 'CP_Phys',
      proj_short_name: (schedule.name ?? 'TRESTLE').slice(0, 40),
      clndr_id: calendarId,
      task_code_base: 1000,
      task_code_step: 10,
      priority_num: 10,
      wbs_max_sum_level: 0,
      strgy_priority_num: 500,
      critical_drtn_hr_cnt: 0,
      def_cost_per_qty: 0,
      plan_start_date: xerDate(planStart),
      add_date: stamp,
      def_duration_type: 'DT_FixedDUR2',
      task_code_prefix: 'A',
      def_qty_type: 'QT_Hour',
      add_by_name: 'admin',
      def_rate_type: 'COST_PER_QTY',
      add_act_remain_flag: 'N',
      act_this_per_link_flag: 'Y',
      def_task_type: 'TT_Task',
      act_pct_link_flag: 'N',
      critical_path_type: 'CT_TotFloat',
      task_code_prefix_flag: 'Y',
      def_rollup_dates_flag: 'Y',
      use_project_baseline_flag: 'Y',
      rem_target_link_flag: 'Y',
      reset_planned_flag: 'N',
      allow_neg_act_flag: 'N',
      sum_assign_level: 'SL_Taskrsrc',
      last_checksum: '',
      next_data_date: '',
      location_id: '',
      loaded_scope_level: 7,
      export_flag: 'Y',
    },
  ]);
  yield* table(
    'CALENDAR',
    shape.calendars.map((c, i) => {
      const day = c.hoursPerDay ?? hoursPerDay;
      return {
        clndr_id: shape.calendarIds.get(c.uid) ?? i + 1,
        default_flag: 'N',
        clndr_name: c.name,
        proj_id: projId,
        base_clndr_id: c.baseUid ? shape.calendarIds.get(c.baseUid) : '',
        last_chng_date: stamp,
        clndr_type: 'CA_Project',
        day_hr_cnt: day,
        week_hr_cnt: day * 5,
        month_hr_cnt: day * 21.5,
        year_hr_cnt: day * 260,
        rsrc_private: 'N',
        clndr_data: formatClndrData(c.week),
      };
    }),
  );
  yield* table('PROJWBS', [
    { wbs_id: shape.projectWbsId, proj_id: projId, seq_num: 0, proj_node_flag: 'Y', sum_data_flag: 'N', status_code: 'WS_Open', wbs_short_name: (schedule.name ?? 'TRESTLE').slice(0, 40), wbs_name: schedule.name ?? 'Trestle schedule', ev_compute_type: 'EC_Cmp_pct', ev_etc_compute_type: 'EE_Rem_hr' },
    ...shape.wbs.map((w) => ({
      wbs_id: w.id,
      proj_id: projId,
      seq_num: w.seq,
      proj_node_flag: 'N',
      sum_data_flag: 'N',
      status_code: 'WS_Open',
      wbs_short_name: w.code,
      wbs_name: w.name,
      parent_wbs_id: w.parentId,
      ev_compute_type: 'EC_Cmp_pct',
      ev_etc_compute_type: 'EE_Rem_hr',
    })),
  ]);
  yield* table(
    'RSRC',
    schedule.resources.map((r, i) => {
      const id = shape.resourceIds.get(r.uid)!;
      return {
        rsrc_id: id,
        clndr_id: (r.calendarUid && shape.calendarIds.get(r.calendarUid)) || calendarId,
        rsrc_seq_num: i,
        rsrc_name: r.name,
        rsrc_short_name: shape.resourceCodes.get(r.uid),
        def_qty_per_hr: 1,
        cost_qty_type: 'QT_Hour',
        active_flag: 'Y',
        auto_compute_act_flag: 'Y',
        def_cost_qty_link_flag: 'Y',
        ot_flag: 'N',
        curr_id: 1,
        rsrc_type: XER_RESOURCE_CODES[r.type],
      };
    }),
  );
  // The activities' labor and nonlabor units: their assignments' (P6 sums them), else their own.
  const resourceTypeOf = new Map(schedule.resources.map((r) => [r.uid, r.type]));
  const unitsOf = new Map<string, Record<'act_work_qty' | 'remain_work_qty' | 'target_work_qty' | 'act_equip_qty' | 'remain_equip_qty' | 'target_equip_qty', number>>();
  for (const a of schedule.assignments) {
    const type = resourceTypeOf.get(a.resourceUid);
    if (type === undefined || type === 'material' || !a.workHours) continue;
    const sums = unitsOf.get(a.taskUid) ?? { act_work_qty: 0, remain_work_qty: 0, target_work_qty: 0, act_equip_qty: 0, remain_equip_qty: 0, target_equip_qty: 0 };
    const done = shape.assignmentUnits.get(a.uid) ?? { actual: 0, remaining: a.workHours };
    const kind = type === 'labor' ? 'work' : 'equip';
    sums[`act_${kind}_qty`] += done.actual;
    sums[`remain_${kind}_qty`] += done.remaining;
    sums[`target_${kind}_qty`] += a.workHours;
    unitsOf.set(a.taskUid, sums);
  }
  // Max units live in the resource's rate periods: one, in effect from the project's start.
  yield* table(
    'RSRCRATE',
    schedule.resources.flatMap((r, i) =>
      r.maxUnits === null ? [] : [{ rsrc_rate_id: i + 1, rsrc_id: shape.resourceIds.get(r.uid), max_qty_per_hr: r.maxUnits, cost_per_qty: 0, start_date: xerDate(planStart) }],
    ),
  );
  yield* table(
    'TASK',
    shape.activities.map(({ id, wbsId, task, progress }) => {
      const drtn = task.durationMinutes === null ? 0 : task.durationMinutes / 60;
      const status = statusOf(progress.percent);
      const own = progress.activityUnits;
      const units = own ? { act_work_qty: own.actual, remain_work_qty: own.remaining, target_work_qty: 100 } : unitsOf.get(task.uid);
      const start = xerDate(task.start);
      const finish = xerDate(task.finish);
      return {
        task_id: id,
        proj_id: projId,
        wbs_id: wbsId,
        clndr_id: (task.calendarUid && shape.calendarIds.get(task.calendarUid)) || calendarId,
        phys_complete_pct: progress.physical,
        rev_fdbk_flag: 'N',
        lock_plan_flag: 'N',
        auto_compute_act_flag: 'N',
        complete_pct_type: XER_PERCENT_CODES[progress.type],
        task_type: task.isMilestone ? 'TT_Mile' : 'TT_Task',
        duration_type: 'DT_FixedDUR2',
        status_code: status,
        task_code: task.uid,
        task_name: task.name,
        remain_drtn_hr_cnt: progress.remainingHours,
        act_work_qty: 0,
        remain_work_qty: 0,
        target_work_qty: 0,
        target_drtn_hr_cnt: drtn,
        target_equip_qty: 0,
        act_equip_qty: 0,
        remain_equip_qty: 0,
        ...units,
        cstr_date: task.constraintType && task.constraintType !== 'asap' && task.constraintDate ? `${task.constraintDate} 00:00` : '',
        act_start_date: status !== 'TK_NotStart' ? start : '',
        act_end_date: status === 'TK_Complete' ? finish : '',
        late_start_date: start,
        late_end_date: finish,
        early_start_date: start,
        early_end_date: finish,
        target_start_date: start,
        target_end_date: finish,
        cstr_type: task.constraintType ? XER_CONSTRAINT_CODES[task.constraintType] : '',
        priority_type: 'PT_Normal',
        driving_path_flag: 'N',
        act_this_per_work_qty: 0,
        act_this_per_equip_qty: 0,
        create_date: stamp,
        update_date: stamp,
        create_user: 'admin',
        update_user: 'admin',
      };
    }),
  );
  yield* table(
    'TASKPRED',
    shape.links.map((l) => ({
      task_pred_id: l.id,
      task_id: l.successorId,
      pred_task_id: l.predecessorId,
      proj_id: projId,
      pred_proj_id: projId,
      pred_type: XER_LINK_CODES[l.link.type],
      lag_hr_cnt: l.lagHours,
    })),
  );
  const tasksByUid = new Map(shape.activities.map((a) => [a.task.uid, a]));
  const resourcesByUid = new Map(schedule.resources.map((r) => [r.uid, r]));
  yield* table(
    'TASKRSRC',
    schedule.assignments.flatMap((a) => {
      const activity = tasksByUid.get(a.taskUid);
      const resource = resourcesByUid.get(a.resourceUid);
      if (!activity || !resource) return [];
      return [
        {
          taskrsrc_id: shape.assignmentIds.get(a.uid),
          task_id: activity.id,
          proj_id: projId,
          cost_qty_link_flag: 'Y',
          rsrc_id: shape.resourceIds.get(a.resourceUid),
          remain_qty: shape.assignmentUnits.get(a.uid)?.remaining ?? a.workHours ?? 0,
          target_qty: a.workHours ?? 0,
          remain_qty_per_hr: a.units ?? 1,
          target_lag_drtn_hr_cnt: 0,
          target_qty_per_hr: a.units ?? 1,
          act_ot_qty: 0,
          act_reg_qty: shape.assignmentUnits.get(a.uid)?.actual ?? 0,
          relag_drtn_hr_cnt: 0,
          target_start_date: xerDate(activity.task.start),
          target_end_date: xerDate(activity.task.finish),
          rollup_dates_flag: 'Y',
          rate_type: 'COST_PER_QTY',
          rsrc_type: XER_RESOURCE_CODES[resource.type],
          cost_per_qty_source_type: 'ST_Rsrc',
        },
      ];
    }),
  );
  yield '%E';
}

/** Characters above U+00FF that Windows-1252 has (in 0x80-0x9F). */
const CP1252_EXTRA = new Set([...'€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ'].map((c) => c.charCodeAt(0)));

function fitsWindows1252(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff && !CP1252_EXTRA.has(code)) return false;
  }
  return true;
}

/** The XER file as Windows-1252 chunks with CR LF line ends. */
export function* writeXer(schedule: Schedule, warnings: string[], now = new Date()): Generator<Buffer> {
  let batch = '';
  let unmappable = false;
  for (const line of xerLines(schedule, warnings, now)) {
    batch += `${line}\r\n`;
    if (batch.length >= 64 * 1024) {
      if (!unmappable && !fitsWindows1252(batch)) unmappable = true;
      yield iconv.encode(batch, 'win1252');
      batch = '';
    }
  }
  if (!unmappable && !fitsWindows1252(batch)) unmappable = true;
  yield iconv.encode(batch, 'win1252');
  if (unmappable) warnings.push('Some text has characters Windows-1252 cannot hold; they were written as "?"');
}
