export { SchedulesResolver, type SchedulesDeps } from './schedules.resolver.js';
export { msProjectConnector, primaveraP6Connector, scheduleConnectors, SCHEDULE_CONNECTORS, type SubscribedEvents, MSPDI_FORMAT, XER_FORMAT, P6_XML_FORMAT } from './schedules.connectors.js';
export { importScheduleFile, exportScheduleFile, importSchedule, loadSchedule, readScheduleFile, scheduleFileStream, SCHEDULE_FORMATS, type ScheduleFormat, type ScheduleScope } from './schedules.service.js';
export { ScheduleFileError, type ScheduleFileProblem } from './schedules.errors.js';
export type { Schedule, ScheduleTask, ScheduleLink, ScheduleCalendar, ScheduleResource, ScheduleAssignment } from './schedule.model.js';
export { sampleSchedule } from './schedule.samples.js';
