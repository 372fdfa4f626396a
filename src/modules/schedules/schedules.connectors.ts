import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { Db } from '../../platform/db/mysql.js';
import type { ConnectorDefinition, FileFormat, FileScope } from '../integrations/index.js';
import { exportScheduleFile, importScheduleFile } from './schedules.service.js';
import { ScheduleFileError } from './schedules.errors.js';

/*
 * The file connectors of Microsoft Project (MSPDI XML) and Primavera P6 (XER, P6 XML), as the
 * integrations contract declares them. Both write the same platform records through the
 * schedules service; the registry lists them (integrationTypes).
 */

export const MSPDI_FORMAT: FileFormat = { id: 'MSPDI', label: 'Microsoft Project XML (MSPDI)', extensions: ['xml'], mediaType: 'application/xml' };
export const XER_FORMAT: FileFormat = { id: 'XER', label: 'Primavera P6 XER', extensions: ['xer'], mediaType: 'application/octet-stream' };
export const P6_XML_FORMAT: FileFormat = { id: 'P6_XML', label: 'Primavera P6 XML', extensions: ['xml'], mediaType: 'application/xml' };

const SCHEDULE_ENTITIES = ['schedule_tasks', 'task_dependencies', 'schedule_calendars', 'schedule_resources', 'schedule_assignments'] as const;

/** File connectors take no settings. */
const noConfig = z.object({}).strict();

/** Which of the event names the organization's active webhooks subscribe to (webhooks' subscribedEventNames). */
export type SubscribedEvents = (db: Db, organizationId: number, eventNames: string[]) => Promise<string[]>;

function fileConnector(formats: readonly FileFormat[], subscribedEvents: SubscribedEvents | undefined) {
  const allowed = (format: string) => {
    if (!formats.some((f) => f.id === format)) {
      throw new ScheduleFileError('UNKNOWN_FORMAT', `This connector reads and writes ${formats.map((f) => f.id).join(' and ')}, not ${format}`);
    }
  };
  return {
    formats,
    importFile: async (scope: FileScope, format: string, input: Readable) => {
      allowed(format);
      return await importScheduleFile(
        scope.db,
        { organizationId: scope.organizationId, projectId: scope.projectId },
        format,
        input,
        subscribedEvents ? { subscribedEvents: (organizationId, names) => subscribedEvents(scope.db, organizationId, names) } : {},
      );
    },
    exportFile: async (scope: FileScope, format: string) => {
      allowed(format);
      return await exportScheduleFile(scope.db, { organizationId: scope.organizationId, projectId: scope.projectId }, format);
    },
  };
}

/**
 * The MS Project and P6 connectors. Given `subscribedEvents`, their imports write record events
 * (schedule_task.created, …) as the GraphQL import does; the composition root passes webhooks'
 * subscribedEventNames (this module cannot import the webhooks module: webhooks → integrations →
 * a registry of connectors would be a cycle).
 */
export function scheduleConnectors(options: { subscribedEvents?: SubscribedEvents } = {}): [ConnectorDefinition<Record<string, never>>, ConnectorDefinition<Record<string, never>>] {
  return [
    {
      type: 'ms_project',
      name: 'Microsoft Project',
      description: 'Imports and exports project schedules as MS Project XML (MSPDI): tasks, links with lags, calendars, resources and assignments.',
      capabilities: ['file_import', 'file_export'],
      entityTypes: SCHEDULE_ENTITIES,
      auth: 'none',
      configSchema: noConfig,
      files: fileConnector([MSPDI_FORMAT], options.subscribedEvents),
    },
    {
      type: 'primavera_p6',
      name: 'Oracle Primavera P6',
      description: 'Imports and exports project schedules as P6 XER and P6 XML: WBS, activities, relationships with lags, calendars, resources and assignments.',
      capabilities: ['file_import', 'file_export'],
      entityTypes: SCHEDULE_ENTITIES,
      auth: 'none',
      configSchema: noConfig,
      files: fileConnector([XER_FORMAT, P6_XML_FORMAT], options.subscribedEvents),
    },
  ];
}

/** The two connectors without record events. */
export const [msProjectConnector, primaveraP6Connector] = scheduleConnectors();

export const SCHEDULE_CONNECTORS = [msProjectConnector, primaveraP6Connector] as const;
